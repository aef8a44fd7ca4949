#include "catalogue.h"

#include <cstdlib>

namespace simulate::internal {

// ---------------------------------------------------------------------------------------------
// The district's cast.

const std::vector<std::string> kSurnames = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
    "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
    "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏",
    "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金"};
const std::vector<std::string> kGiven = {
    "伟", "芳", "娜", "秀", "英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
    "娟", "涛", "明", "超", "兰", "霞", "平", "刚", "桂", "建", "华", "玉", "国", "文", "红",
    "志", "春", "海", "云", "德", "福", "淑", "珍", "荣", "凤", "秋", "萍", "宏", "斌", "亮"};

std::string PersonName(Rng& rng) {
  std::string name = rng.Pick(kSurnames) + rng.Pick(kGiven);
  if (rng.Chance(0.6)) name += rng.Pick(kGiven);
  return name;
}

std::string Phone(Rng& rng) {
  static const std::vector<std::string> kPrefixes = {"138", "139", "135", "186", "158", "133"};
  std::string phone = rng.Pick(kPrefixes);
  for (int i = 0; i < 8; ++i) phone += static_cast<char>('0' + rng.Int(0, 9));
  return phone;
}

// Good first, bad last: the order of Summary::company_ids.
const std::vector<CompanySpec> kCompanies = {
    {"hongxin",
     "红心物业服务有限公司",
     "物服字[2019]0012号",
     {2.5,
      {0.1, 1.0},
      0.0,
      {1, 12},
      {2, 36},
      0.0,
      0.6,
      0.5,
      {5, 30},
      0.05,
      0.97,
      0.0,
      6,
      {0.86, 0.12, 0.02},
      {0.82, 0.16, 0.02},
      {0.93, 0.99},
      0.95,
      0.0}},
    {"anju",
     "安居物业管理有限公司",
     "物服字[2016]0057号",
     {9,
      {1, 8},
      0.02,
      {6, 48},
      {12, 96},
      0.03,
      0.3,
      0.5,
      {20, 120},
      0.4,
      0.88,
      0.01,
      24,
      {0.58, 0.3, 0.12},
      {0.52, 0.34, 0.14},
      {0.78, 0.9},
      0.8,
      0.03}},
    {"lvyuan",
     "绿苑物业服务有限公司",
     "物服字[2017]0103号",
     {11,
      {1, 10},
      0.03,
      {8, 60},
      {12, 120},
      0.04,
      0.3,
      0.5,
      {20, 150},
      0.5,
      0.84,
      0.01,
      30,
      {0.52, 0.32, 0.16},
      {0.48, 0.35, 0.17},
      {0.74, 0.87},
      0.75,
      0.05}},
    {"huamei",
     "华美物业管理有限公司",
     "物服字[2018]0088号",
     {12,
      {2, 12},
      0.03,
      {12, 72},
      {24, 120},
      0.05,
      0.3,
      0.5,
      {30, 180},
      0.5,
      0.8,
      0.02,
      36,
      {0.48, 0.33, 0.19},
      {0.45, 0.35, 0.2},
      {0.72, 0.85},
      0.7,
      0.05}},
    {"xinda",
     "鑫达物业管理有限公司",
     "物服字[2015]0031号",
     {30,
      {8, 96},
      0.12,
      {48, 240},
      {72, 480},
      0.15,
      0.2,
      0.8,
      {90, 720},
      0.95,
      0.45,
      0.07,
      120,
      {0.18, 0.3, 0.52},
      {0.14, 0.3, 0.56},
      {0.4, 0.58},
      0.3,
      0.3}},
};
// Estates are dealt to companies in this order, so that a small district still has the good,
// the bad and an ordinary one.
const std::vector<int> kDealOrder = {0, 4, 1, 2, 3};

const std::vector<std::string> kEstateNames = {"阳光花园", "幸福里小区", "和平新村",   "锦绣家园",
                                               "翠湖苑",   "金桂小区",   "东方明珠苑", "桃源居",
                                               "梧桐苑",   "育才小区",   "滨江花园",   "紫荆公寓"};
const std::vector<std::string> kRoads = {"建设路", "人民路", "解放路", "和平路",
                                         "幸福街", "光明路", "朝阳路", "文化路"};
const char* const kStreet = "红旗街道";
const char* const kCommunity = "红旗社区";

// ---------------------------------------------------------------------------------------------
// Repairs: the categories of DOMAIN.md with their time limits (v1, then v2 from the second year)
// and when they happen.

const std::vector<RepairCategory> kRepairs = {
    {"water",
     15,
     0.22,
     12,
     8,
     12,
     8,
     kAllYear,
     false,
     {"厨房水管爆裂漏水，楼下天花板滴水", "水龙头关不上，一直流水",
      "Burst pipe under the kitchen sink", "家中停水，楼上邻居正常", "水表接口渗水"},
     {"更换水管接头，已恢复供水", "更换水龙头阀芯", "Pipe joint replaced, water back on"}},
    {"drainage",
     12,
     0.08,
     24,
     0,
     24,
     0,
     kAllYear,
     false,
     {"下水道堵塞返水", "厨房下水不通", "楼道排污管堵塞，污水外溢",
      "Sewer blocked, water backing up"},
     {"疏通下水管道", "高压清洗排污管", "Drain cleared"}},
    {"electricity",
     12,
     0.18,
     24,
     0,
     24,
     0,
     kAllYear,
     false,
     {"家中跳闸停电", "电表箱有烧焦味", "插座冒火花",
      "Power out in the flat, breaker keeps tripping"},
     {"更换空气开关，已恢复供电", "更换烧毁线路", "Breaker replaced, power restored"}},
    {"gas",
     3,
     0.1,
     4,
     0,
     2,
     0,
     kAllYear,
     false,
     {"厨房有燃气味", "燃气灶点不着火", "Smell of gas in the kitchen"},
     {"更换燃气软管，检测无泄漏", "调整燃气阀门"}},
    {"heating",
     6,
     0.05,
     24,
     0,
     12,
     0,
     kHeating,
     false,
     {"暖气片不热", "暖气管道漏水", "Radiator cold since yesterday"},
     {"排气阀放气，暖气恢复", "更换暖气阀门"}},
    {"lighting",
     10,
     0.3,
     48,
     0,
     24,
     0,
     kAllYear,
     true,
     {"楼道声控灯不亮", "小区路灯损坏", "地下车库照明故障", "Stairwell light out for days"},
     {"更换声控灯泡", "更换路灯镇流器", "Lamp replaced"}},
    {"locks",
     8,
     0.05,
     24,
     0,
     24,
     0,
     kAllYear,
     true,
     {"单元门锁损坏关不上", "门禁失灵", "入户门锁芯坏了", "Entrance door lock broken"},
     {"更换单元门锁", "维修门禁系统", "Lock replaced"}},
    {"windowScreens",
     5,
     0.0,
     72,
     0,
     72,
     0,
     kSpringSummer,
     false,
     {"纱窗破损，蚊虫进屋", "窗帘杆脱落", "Window screen torn"},
     {"更换纱窗", "重新安装窗帘杆"}},
    {"tiles",
     4,
     0.0,
     120,
     0,
     120,
     0,
     kAllYear,
     false,
     {"卫生间瓷砖空鼓脱落", "楼道地砖破损绊脚", "Loose floor tiles in the hallway"},
     {"重新铺贴瓷砖", "更换破损地砖"}},
    {"toiletLeak",
     8,
     0.1,
     24,
     0,
     24,
     0,
     kAllYear,
     false,
     {"马桶漏水", "马桶水箱一直流水", "Toilet leaking onto the floor"},
     {"更换马桶密封圈", "更换水箱配件"}},
    {"roofLeak",
     4,
     0.15,
     72,
     0,
     72,
     0,
     kSummer,
     true,
     {"顶楼屋面渗漏", "雨后天花板渗水", "Roof leaking after the rain"},
     {"屋面防水补漏", "更换破损防水层"}},
    {"flooding",
     2,
     0.35,
     6,
     0,
     6,
     0,
     kSummer,
     true,
     {"暴雨后地下室进水", "小区积水严重，单元门口被淹", "Basement flooded after the storm"},
     {"抽水排涝，清理淤泥", "疏通雨水井"}},
    {"handrails",
     3,
     0.0,
     48,
     0,
     48,
     0,
     kAllYear,
     true,
     {"楼梯扶手松动", "老人扶手脱落，存在安全隐患", "Stair handrail loose"},
     {"加固楼梯扶手", "重新安装安全扶手"}},
    {"cleaning",
     8,
     0.0,
     24,
     0,
     24,
     0,
     kAllYear,
     true,
     {"楼道卫生无人打扫", "垃圾桶满溢未清运", "Stairwell not cleaned for a week"},
     {"安排保洁清扫", "清运垃圾并消毒"}},
};

double SeasonFactor(Season season, int month) {
  switch (season) {
    case kHeating:
      return (month >= 11 || month <= 3) ? 2.0 : 0.0;
    case kSummer:
      return (month >= 5 && month <= 9) ? 2.5 : 0.3;
    case kSpringSummer:
      return (month >= 4 && month <= 9) ? 1.8 : 0.3;
    case kAllYear:
      break;
  }
  return 1.0;
}

// ---------------------------------------------------------------------------------------------
// Complaints.

const std::vector<ComplaintCategory> kComplaints = {
    {"repairDelay",
     3,
     {"报修三天无人上门", "报修后维修人员迟迟不到", "Repair requested a week ago, nobody came"},
     {"已督促维修班组当日上门，并向住户致歉", "已调整维修排班，承诺当日响应"}},
    {"sanitation",
     3,
     {"垃圾三天未清运，气味难闻", "楼道堆放杂物，存在消防隐患", "Rubbish left in the stairwell"},
     {"已安排保洁人员清运并加强巡查，感谢监督", "已清理楼道杂物，张贴消防提示"}},
    {"parking",
     2,
     {"小区内乱停车堵塞消防通道", "外来车辆占用业主车位", "Cars blocking the fire lane"},
     {"已加强门岗管理，施划禁停标线", "已联系车主挪车，并将在联席会议讨论停车方案"}},
    {"noise",
     1.5,
     {"夜间装修噪音扰民", "广场舞音响声音过大", "Renovation noise late at night"},
     {"已告知装修户遵守施工时间", "已与广场舞队协商降低音量"}},
    {"security",
     1.5,
     {"小区门禁损坏，外来人员随意进出", "监控摄像头长期不亮", "Gate left open at night"},
     {"已维修门禁并加强夜间巡逻", "已更换监控设备"}},
    {"greening",
     1,
     {"绿化带杂草丛生无人修剪", "树枝遮挡窗户影响采光", "Hedges not trimmed all summer"},
     {"已安排绿化养护", "已修剪遮挡树枝"}},
    {"fees",
     1,
     {"物业费收支不公开，要求公示", "公共收益去向不明", "Service fee accounts not published"},
     {"已在公示栏公布上半年收支明细", "将于下次联席会议通报公共收益使用情况"}},
    {"elevator",
     1.5,
     {"电梯频繁故障，老人出行困难", "电梯困人，救援迟缓", "Lift out of order again"},
     {"已联系维保单位全面检修", "已更换电梯控制板并加强维保"}},
    {"pets",
     0.8,
     {"宠物粪便无人清理", "夜间犬吠扰民", "Dog mess on the paths"},
     {"已张贴文明养宠倡议并加强巡查", "已上门劝导养犬户"}},
};

// Channels, with how often each is used and who writes the entry down.
const std::vector<schema::Channel> kChannels = {
    schema::Channel::HOTLINE,     schema::Channel::OPINION_BOOK, schema::Channel::MESSAGE_BOX,
    schema::Channel::REPLY_BOARD, schema::Channel::WECHAT_GROUP, schema::Channel::DOOR_TO_DOOR,
    schema::Channel::FORUM};
const std::vector<double> kChannelWeights = {30, 10, 10, 5, 25, 12, 8};

// ---------------------------------------------------------------------------------------------
// Lunar holidays move: the visit rules name them by "MM-DD", so the street office adopts each
// year's calendar before the year begins.

struct YearHolidays {
  int year;
  const char* spring;   // 春节
  const char* dragon;   // 端午节
  const char* autumn;   // 中秋节
  const char* elderly;  // 重阳节
};
static const std::vector<YearHolidays> kLunarHolidays = {
    {2020, "01-25", "06-25", "10-01", "10-25"}, {2021, "02-12", "06-14", "09-21", "10-14"},
    {2022, "02-01", "06-03", "09-10", "10-04"}, {2023, "01-22", "06-22", "09-29", "10-23"},
    {2024, "02-10", "06-10", "09-17", "10-11"}, {2025, "01-29", "05-31", "10-06", "10-29"},
    {2026, "02-17", "06-19", "09-25", "10-18"}, {2027, "02-06", "06-09", "09-15", "10-08"},
    {2028, "01-26", "05-28", "10-03", "10-26"}, {2029, "02-13", "06-16", "09-22", "10-16"},
    {2030, "02-03", "06-05", "09-12", "10-05"},
};

// (name, "MM-DD") of the year's must-visit holidays; outside the table, the nearest year's dates.
std::vector<std::pair<std::string, std::string>> HolidaysOf(int year) {
  const YearHolidays* h = &kLunarHolidays.front();
  for (const auto& y : kLunarHolidays) {
    if (std::abs(y.year - year) < std::abs(h->year - year)) h = &y;
  }
  return {{"元旦", "01-01"},
          {"春节", h->spring},
          {"端午节", h->dragon},
          {"中秋节", h->autumn},
          {"重阳节", h->elderly}};
}

const std::vector<std::string> kVisitServices = {"燃气安全检查 gas safety check",
                                                 "电线线路检查",
                                                 "更换门锁",
                                                 "更换纱窗",
                                                 "小修补瓷砖",
                                                 "水管渗漏维修",
                                                 "清洁卫生",
                                                 "送慰问品",
                                                 "测量血压",
                                                 "政策宣传"};
const std::vector<std::string> kVolunteerActivities = {
    "楼道清扫",     "陪老人就医 escorting to hospital",
    "义务理发",     "政策宣传",
    "垃圾分类督导", "代购代办 errands",
    "文艺演出",     "辅导作业"};
const std::vector<std::string> kExchangeServices = {"代买菜",   "陪同就医", "家电小修",
                                                    "辅导作业", "上门理发", "Dog walking"};
const std::vector<std::string> kMeetingTopics = {
    "小区环境整治", "停车秩序管理", "志愿服务积分兑换安排", "走访慰问安排",
    "雨季防汛准备", "冬季供暖保障", "公共收益公示",         "老旧电梯改造"};

std::string CompanyId(const CompanySpec& c) { return std::string("company/") + c.code; }

int CategoryIndex(const std::string& id) {
  for (size_t i = 0; i < kRepairs.size(); ++i) {
    if (kRepairs[i].id == id) return static_cast<int>(i);
  }
  return 0;
}

}  // namespace simulate::internal
