#include "simulate/simulator.h"

#include <capnp/message.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <numbers>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "projections/calendar.h"
#include "projections/reports/star_evaluation.h"
#include "projections/view_set.h"

namespace simulate {

void SimulatedClock::AdvanceTo(int64_t unix_ms) {
  int64_t now = now_.load(std::memory_order_acquire);
  while (unix_ms > now && !now_.compare_exchange_weak(now, unix_ms, std::memory_order_acq_rel)) {
  }
}

namespace {

namespace schema = ledger::schema;
using ledger::Status;
using projections::kMillisPerDay;
using projections::kMillisPerHour;
using projections::kMillisPerMinute;

constexpr projections::TimeZone kZone =
    projections::TimeZone::China();  // Asia/Shanghai: every rule here is local
constexpr int64_t kSecond = 1000;

// ---------------------------------------------------------------------------------------------
// Randomness that is the same on every run and every standard library: xoshiro256** seeded by
// splitmix64, and distributions written out here (std::uniform_int_distribution and friends are
// free to differ between library versions, which would change the bytes of the ledger).

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t x = seed;
    for (auto& s : s_) {
      x += 0x9e3779b97f4a7c15ULL;
      uint64_t z = x;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      s = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n); n > 0.
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform in [lo, hi], both included.
  int Int(int lo, int hi) {
    return lo + static_cast<int>(Below(static_cast<uint64_t>(hi - lo + 1)));
  }
  double Real() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Real(double lo, double hi) { return lo + (hi - lo) * Real(); }
  bool Chance(double p) { return Real() < p; }
  template <class T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(v.size())];
  }
  template <class T, size_t N>
  const T& Pick(const std::array<T, N>& v) {
    return v[Below(N)];
  }
  int Poisson(double mean) {
    if (mean <= 0) return 0;
    if (mean < 30) {
      double limit = std::exp(-mean), p = 1;
      int k = 0;
      do {
        ++k;
        p *= Real();
      } while (p > limit);
      return k - 1;
    }
    double u1 = 1 - Real(), u2 = Real();
    double gaussian = std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
    return std::max(0, static_cast<int>(std::lround(mean + std::sqrt(mean) * gaussian)));
  }
  // An index drawn with the given weights.
  size_t Weighted(const std::vector<double>& weights) {
    double total = 0;
    for (double w : weights) total += w;
    double x = Real() * total;
    for (size_t i = 0; i < weights.size(); ++i) {
      if (x < weights[i]) return i;
      x -= weights[i];
    }
    return weights.size() - 1;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// ---------------------------------------------------------------------------------------------
// Days and times, local to Asia/Shanghai.

int64_t LocalMs(int64_t day, int hour, int minute = 0) {
  return projections::LocalDayStart(day, kZone) + hour * kMillisPerHour + minute * kMillisPerMinute;
}
int64_t DayOf(int64_t ms) { return projections::LocalDay(ms, kZone); }
std::string DayText(int64_t day) { return projections::FormatDay(day); }
int64_t Civil(int year, int month, int day) {
  return projections::DaysFromCivil({year, month, day});
}
// 0 = Sunday; 1970-01-01 was a Thursday.
int Weekday(int64_t day) { return static_cast<int>(((day % 7) + 7 + 4) % 7); }
int64_t Hours(double h) { return static_cast<int64_t>(h * kMillisPerHour); }
int64_t Minutes(double m) { return static_cast<int64_t>(m * kMillisPerMinute); }

std::string Pad(uint64_t n, int width) {
  std::string s = std::to_string(n);
  if (static_cast<int>(s.size()) < width) s.insert(0, width - s.size(), '0');
  return s;
}

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

// How a company works. Hours are ranges [lo, hi]; satisfaction shares are {satisfied, basically
// satisfied, dissatisfied}.
struct Quality {
  double complaints_per_100 = 10;  // complaints per 100 households a year
  double ack_h[2];                 // filing to acknowledgement
  double never_ack;                // share never acknowledged
  double reply_h[2];               // acknowledgement to public reply
  double resolve_h[2];             // reply to resolution
  double unresolved;               // share never resolved
  double reopen_if_dissatisfied;
  double escalate;         // share of complaints open after two weeks taken to a meeting
  double dispatch_min[2];  // request to dispatch, in minutes
  double night_wait;       // share of night requests left for the morning shift
  double on_time;          // repairs completed by the deadline
  double left_open;        // repairs never completed
  double late_h;           // how far past the deadline a late repair runs, at most
  double follow_up[3];
  double survey[3];
  double inspection[2];  // share of the maximum scored at inspections and reviews
  double resolution_on_time, resolution_abandoned;
};

struct CompanySpec {
  const char* code;
  const char* name;
  const char* licence;
  Quality quality;
};

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
constexpr int kGood = 0, kBad = 4;
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

enum Season { kAllYear, kHeating, kSummer, kSpringSummer };

struct RepairCategory {
  const char* id;
  double weight;
  double night;  // share reported at night
  uint32_t hours_v1, morning_v1, hours_v2, morning_v2;
  Season season;
  bool common_area;
  std::vector<std::string> descriptions;
  std::vector<std::string> fixes;
};

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

struct ComplaintCategory {
  const char* id;
  double weight;
  std::vector<std::string> summaries;
  std::vector<std::string> replies;
};

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
const std::vector<YearHolidays> kLunarHolidays = {
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

constexpr uint32_t kHolidayWindow = 7, kBirthdayWindow = 7, kHospitalWindow = 3,
                   kHardshipWindow = 7;

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

// ---------------------------------------------------------------------------------------------
// Scheduling: every event is planned with the instant it happened and the instant it is recorded,
// kept in a heap by recording time, and appended in that order as simulated time reaches it.

using Fill = std::function<void(schema::Payload::Builder)>;

struct Actor {
  std::string id;
  schema::Role role = schema::Role::UNKNOWN;
};

struct Draft {
  int64_t occurred_at = 0;
  Actor actor;
  Fill fill;
};

struct Pending {
  int64_t recorded_at = 0;
  uint64_t order = 0;  // ties on recorded_at keep the order of planning
  std::string stream;
  std::vector<Draft> drafts;  // appended together, to one stream
  std::function<void(uint64_t first_seq)> on_appended;
};

struct LaterFirst {
  bool operator()(const Pending& a, const Pending& b) const {
    if (a.recorded_at != b.recorded_at) return a.recorded_at > b.recorded_at;
    return a.order > b.order;
  }
};

class Emitter {
 public:
  Emitter(ledger::Ledger* log, SimulatedClock* clock, uint64_t seed, int64_t end_ms,
          std::function<void(uint64_t, uint64_t)> progress, uint64_t estimate)
      : log_(log),
        clock_(clock),
        id_prefix_("sim" + std::to_string(seed) + "-"),
        end_ms_(end_ms),
        progress_(std::move(progress)),
        estimate_(estimate) {}

  // Plans `drafts` for `stream`, recorded at `recorded_at` (never before any of them happened).
  // Events that would be recorded after the simulated period are not planned at all: the period
  // ends with whatever is still open.
  void Plan(int64_t recorded_at, std::string stream, std::vector<Draft> drafts,
            std::function<void(uint64_t)> on_appended = nullptr) {
    for (const auto& d : drafts) recorded_at = std::max(recorded_at, d.occurred_at);
    recorded_at = std::max(recorded_at, clock_->Now());
    if (recorded_at >= end_ms_) return;
    heap_.push_back(Pending{recorded_at, next_order_++, std::move(stream), std::move(drafts),
                            std::move(on_appended)});
    std::push_heap(heap_.begin(), heap_.end(), LaterFirst());
  }

  // One event, recorded `lag` after it happened.
  void One(int64_t occurred_at, std::string stream, Actor actor, Fill fill, int64_t lag = 0,
           std::function<void(uint64_t)> on_appended = nullptr) {
    std::vector<Draft> drafts;
    drafts.push_back(Draft{occurred_at, std::move(actor), std::move(fill)});
    Plan(occurred_at + lag, std::move(stream), std::move(drafts), std::move(on_appended));
  }

  // Appends, in order, everything recorded before `limit_ms`.
  Status RunUntil(int64_t limit_ms) {
    while (!heap_.empty() && heap_.front().recorded_at < limit_ms) {
      std::pop_heap(heap_.begin(), heap_.end(), LaterFirst());
      Pending next = std::move(heap_.back());
      heap_.pop_back();
      Status s = Append(next);
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }

  // Appends at once, at `recorded_at`, ahead of anything still planned.
  Status AppendNow(int64_t recorded_at, std::string stream, std::vector<Draft> drafts) {
    Pending p{std::max(recorded_at, clock_->Now()), next_order_++, std::move(stream),
              std::move(drafts), nullptr};
    return Append(p);
  }

  uint64_t appended() const { return appended_; }
  const ledger::Position& head() const { return head_; }
  void Finish() {
    if (progress_) progress_(appended_, appended_);
  }

 private:
  Status Append(Pending& p) {
    clock_->AdvanceTo(p.recorded_at);
    std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages;
    std::vector<schema::Event::Reader> readers;
    messages.reserve(p.drafts.size());
    readers.reserve(p.drafts.size());
    uint64_t id = appended_;
    for (const Draft& d : p.drafts) {
      messages.push_back(std::make_unique<capnp::MallocMessageBuilder>(256));
      auto e = messages.back()->initRoot<schema::Event>();
      e.setEventId(id_prefix_ + Pad(++id, 8));
      e.setStream(p.stream);
      e.setActorId(d.actor.id);
      e.setActorRole(d.actor.role);
      e.setOccurredAt(d.occurred_at);
      d.fill(e.initPayload());
      readers.push_back(e.asReader());
    }
    auto result = log_->Append(p.stream, ledger::ExpectedVersion::Any(), readers);
    if (!result.ok()) {
      return Status(result.status().code(), "simulating " + p.stream + " at event " +
                                                std::to_string(appended_ + 1) + ": " +
                                                result.status().message());
    }
    if (result->duplicate) {
      return Status::InvalidArgument("event id " + id_prefix_ + Pad(appended_ + 1, 8) +
                                     " was in the ledger already: simulate into an empty ledger");
    }
    if (appended_ == 0) {
      // The first event shows whether the ledger reads this clock; without it neither the
      // recorded times nor the head hash would follow the seed.
      auto first = log_->Read(result->seqs.front());
      if (first.ok() && first->event().getRecordedAt() != clock_->Now()) {
        return Status::InvalidArgument(
            "the ledger was not opened with the simulated clock (ledger::Options::clock = "
            "clock.AsFunction())");
      }
    }
    uint64_t before = appended_;
    appended_ += p.drafts.size();
    head_ = result->head;
    if (p.on_appended) p.on_appended(result->seqs.front());
    if (progress_ && (appended_ / 2048 != before / 2048)) {
      estimate_ = std::max(estimate_, appended_ + heap_.size());
      progress_(appended_, estimate_);
    }
    return Status::Ok();
  }

  ledger::Ledger* log_;
  SimulatedClock* clock_;
  std::string id_prefix_;
  int64_t end_ms_;
  std::function<void(uint64_t, uint64_t)> progress_;
  uint64_t estimate_;
  std::vector<Pending> heap_;
  uint64_t next_order_ = 0;
  uint64_t appended_ = 0;
  ledger::Position head_;
};

void SetTexts(capnp::List<capnp::Text>::Builder list, const std::vector<std::string>& texts) {
  for (size_t i = 0; i < texts.size(); ++i) list.set(i, texts[i]);
}

// At most `max_bytes` of UTF-8 text, cut at a character boundary.
std::string Clip(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "…";
}

// ---------------------------------------------------------------------------------------------
// The district.

struct Resident {
  std::string person_id, name;
  int month = 1, day = 1;  // birthday
  int64_t birth_day = 0;
};

struct Household {
  std::string id, building, unit, room, head_name, phone;
  int estate = 0;
  bool retired_cadre = false, elderly_alone = false, hardship = false, disability = false;
  std::vector<Resident> residents;
  bool flagged() const { return retired_cadre || elderly_alone || hardship || disability; }
};

struct Term {
  int company;
  int64_t from_day;
  std::string contract_id;
};

struct Estate {
  std::string id, code, name, address, committee_id, place;
  int first_household = 0, households = 0, buildings = 0;
  std::vector<Term> terms;                          // in order
  std::map<int, std::string> manager;               // by company
  std::map<int, std::vector<std::string>> workers;  // by company
  std::vector<std::string> grid_workers, teams;     // one team per grid worker
  std::string supervisor, reporter, chair;
  std::vector<std::string> committee, volunteers, menu_items, menu_providers;
  int meeting_day = 10;
  int Company(int64_t day) const {
    int c = terms.front().company;
    for (const auto& t : terms) {
      if (t.from_day <= day) c = t.company;
    }
    return c;
  }
};

// What a meeting's agenda can point at.
struct Recent {
  std::string id;
  int64_t at = 0, closed_at = 0;  // closed_at 0: never within the period
};

struct Volunteer {
  std::string person_id;
  int estate = 0;
  int64_t balance_centi = 0;
  std::vector<std::pair<int64_t, int64_t>> pending;  // (verified at, centipoints) not yet counted
};

class District {
 public:
  District(ledger::Ledger* log, SimulatedClock* clock, const Options& options)
      : log_(log),
        options_(options),
        rng_(options.seed),
        first_day_(Civil(options.first_year, 1, 1)),
        end_day_(Civil(options.first_year + options.years, 1, 1)),
        emit_(log, clock, options.seed, LocalMs(end_day_, 0), options.progress, Estimate(options)),
        views_([log](uint64_t seq) { return log->Read(seq); }) {}

  ledger::Result<Summary> Run() {
    Register();
    for (int64_t day = first_day_; day < end_day_; ++day) {
      Day(day);
      projections::CivilDay civil = projections::CivilFromDays(day);
      if (civil.month == 12 && civil.day == 31) {
        // The street office publishes the year's ratings on its last afternoon.
        int64_t at = LocalMs(day, 16);
        Status s = emit_.RunUntil(at);
        if (!s.ok()) return s;
        s = Publish(civil.year, at);
        if (!s.ok()) return s;
      }
      Status s = emit_.RunUntil(LocalMs(day + 1, 0));
      if (!s.ok()) return s;
    }
    emit_.Finish();
    Summary summary;
    summary.events = emit_.appended();
    summary.head = emit_.head();
    for (const auto& c : kCompanies) summary.company_ids.push_back(CompanyId(c));
    summary.good_company = CompanyId(kCompanies[kGood]);
    summary.bad_company = CompanyId(kCompanies[kBad]);
    return summary;
  }

  // Events per household-year and for the registers, measured on the default district.
  static uint64_t Estimate(const Options& o) {
    double households = double(o.estates) * o.households_per_estate;
    return static_cast<uint64_t>(households * (1.6 + 8.5 * o.years) + o.estates * 60.0 * o.years);
  }

 private:
  static std::string CompanyId(const CompanySpec& c) { return std::string("company/") + c.code; }
  const Quality& QualityOf(int company) const { return kCompanies[company].quality; }

  std::string Name(const std::string& person_id) const {
    auto it = names_.find(person_id);
    return it == names_.end() ? "" : it->second;
  }

  // The instant of a local time today, never before the registers were entered.
  int64_t Clamp(int64_t ms) { return std::max(ms, floor_ms_ + rng_.Int(0, 59) * kSecond); }

  // A time of day for something residents report: evenings busiest, a share at night.
  int64_t ReportTime(int64_t day, double night_share) {
    int minute;
    if (rng_.Chance(night_share)) {
      minute = (22 * 60 + rng_.Int(0, 8 * 60 - 1)) % (24 * 60);
    } else {
      double x = rng_.Real();
      minute = x < 0.4    ? rng_.Int(7 * 60, 12 * 60 - 1)
               : x < 0.65 ? rng_.Int(12 * 60, 17 * 60 - 1)
                          : rng_.Int(17 * 60, 22 * 60 - 1);
    }
    return Clamp(LocalMs(day, 0) + minute * kMillisPerMinute + rng_.Int(0, 59) * kSecond);
  }

  // Office hours: the instant itself if it falls in 08:30–18:00 local, else the next opening.
  int64_t OfficeHours(int64_t ms) {
    int64_t day = DayOf(ms);
    int64_t open = LocalMs(day, 8, 30), close = LocalMs(day, 18);
    if (ms < open) return open + Minutes(rng_.Int(0, 90));
    if (ms >= close) return LocalMs(day + 1, 8, 30) + Minutes(rng_.Int(0, 90));
    return ms;
  }

  // A working-hours instant on `day`.
  int64_t WorkTime(int64_t day, int from_hour = 9, int to_hour = 17) {
    return Clamp(LocalMs(day, from_hour) +
                 rng_.Below(static_cast<uint64_t>((to_hour - from_hour) * kMillisPerHour)));
  }

  Actor Worker(int i) const {
    return {community_workers_[i % community_workers_.size()], schema::Role::COMMUNITY_WORKER};
  }
  Actor AnyWorker() { return Worker(static_cast<int>(rng_.Below(community_workers_.size()))); }
  Actor Staff(int e, int company) const {
    return {estates_[e].manager.at(company), schema::Role::COMPANY_STAFF};
  }
  Actor Street() const { return {"person/street-director", schema::Role::STREET_AUDITOR}; }
  Actor Inspector(int i) const {
    return {i % 2 ? "person/street-inspector-2" : "person/street-inspector-1",
            schema::Role::STREET_AUDITOR};
  }
  Actor ResidentActor(const Household& h) const {
    return {h.residents.front().person_id, schema::Role::RESIDENT};
  }

  Household& RandomHousehold(int e) {
    const Estate& estate = estates_[e];
    return households_[estate.first_household + rng_.Below(estate.households)];
  }

  // ---- the registers, entered on the first morning ---------------------------------------------

  // The next instant of the registration morning.
  int64_t Tick() { return setup_ms_ += setup_step_; }

  void Person(const std::string& id, const std::string& name, const std::string& household,
              bool party,
              std::vector<std::pair<schema::AppointedRole, std::vector<std::string>>>
                  roles,  // (role, {estate, company, team, from})
              int64_t at) {
    names_[id] = name;
    std::vector<Draft> drafts;
    std::string phone = Phone(rng_);
    drafts.push_back(
        {at, {"person/cw-01", schema::Role::COMMUNITY_WORKER}, [=](schema::Payload::Builder p) {
           auto r = p.initPersonRegistered();
           r.setPersonId(id);
           r.setName(name);
           r.setPhone(phone);
           r.setHouseholdId(household);
           r.setPartyMember(party);
         }});
    for (auto& [role, where] : roles) {
      drafts.push_back({at,
                        {"person/cw-01", schema::Role::COMMUNITY_WORKER},
                        [=, role = role, where = where](schema::Payload::Builder p) {
                          auto r = p.initRoleAppointed();
                          r.setPersonId(id);
                          r.setRole(role);
                          r.setEstateId(where[0]);
                          r.setCompanyId(where[1]);
                          r.setTeam(where[2]);
                          r.setFromDate(where[3]);
                        }});
    }
    emit_.Plan(at, id, std::move(drafts));
  }

  void AdoptRepairLimits(int64_t at, uint32_t version, int64_t effective_day) {
    emit_.One(at, "policy/repair-time-limits", Street(), [=](schema::Payload::Builder p) {
      auto a = p.initPolicyAdopted();
      a.setPolicyId("repair-time-limits");
      a.setVersion(version);
      a.setEffectiveFrom(DayText(effective_day));
      a.setTimeZone("Asia/Shanghai");
      auto limits = a.getRules().initRepairTimeLimits(kRepairs.size());
      for (size_t i = 0; i < kRepairs.size(); ++i) {
        const RepairCategory& c = kRepairs[i];
        limits[i].setCategory(c.id);
        limits[i].setHours(version == 1 ? c.hours_v1 : c.hours_v2);
        limits[i].setNextMorningHour(
            static_cast<uint8_t>(version == 1 ? c.morning_v1 : c.morning_v2));
      }
    });
  }

  void AdoptVisitRules(int64_t at, int year, uint32_t version) {
    auto holidays = HolidaysOf(year);
    emit_.One(at, "policy/visit-rules", Street(), [=](schema::Payload::Builder p) {
      auto a = p.initPolicyAdopted();
      a.setPolicyId("visit-rules");
      a.setVersion(version);
      a.setEffectiveFrom(DayText(Civil(year, 1, 1)));
      a.setTimeZone("Asia/Shanghai");
      auto v = a.getRules().initVisits();
      auto list = v.initHolidays(holidays.size());
      for (size_t i = 0; i < holidays.size(); ++i) {
        list[i].setName(holidays[i].first);
        list[i].setDay(holidays[i].second);
      }
      v.setHolidayWindowDays(kHolidayWindow);
      v.setBirthdayWindowDays(kBirthdayWindow);
      v.setHospitalWindowDays(kHospitalWindow);
      v.setHardshipWindowDays(kHardshipWindow);
    });
  }

  void Register() {
    const int estates = options_.estates;
    const int per_estate = options_.households_per_estate;
    // Everything below is entered between 06:00 and about 08:00 on the first day.
    double events = double(estates) * per_estate * 1.15 + estates * 40.0 + 60;
    setup_step_ = std::clamp<int64_t>(static_cast<int64_t>(2 * kMillisPerHour / events), 20, 2000);
    setup_ms_ = LocalMs(first_day_, 6);
    const std::string year_start = DayText(first_day_);

    // The street office and the community.
    Person("person/street-director", "王建国", "", true, {}, Tick());
    Person("person/street-inspector-1", "李卫东", "", true, {}, Tick());
    Person("person/street-inspector-2", "赵红梅", "", false, {}, Tick());
    Person("person/party-secretary", "陈秀英", "", true, {}, Tick());
    Person("person/rc-director", "刘志强", "", true, {}, Tick());
    Person("person/partner-1", "孙海涛", "", true, {}, Tick());  // 联点单位: 区供电局
    int workers = std::clamp(estates / 3, 2, 8);
    for (int i = 1; i <= workers; ++i) {
      std::string id = "person/cw-" + Pad(i, 2);
      community_workers_.push_back(id);
      Person(id, PersonName(rng_), "", rng_.Chance(0.6),
             {{schema::AppointedRole::COMMUNITY_WORKER, {"", "", "社区服务组", year_start}}},
             Tick());
    }

    // The rules, in force from the first day.
    AdoptRepairLimits(Tick(), 1, first_day_);
    emit_.One(Tick(), "policy/star-rating", Street(), [=](schema::Payload::Builder p) {
      auto a = p.initPolicyAdopted();
      a.setPolicyId("star-rating");
      a.setVersion(1);
      a.setEffectiveFrom(year_start);
      a.setTimeZone("Asia/Shanghai");
      auto r = a.getRules().initRating();
      auto w = r.initWeights();
      w.setInspection(0.25);
      w.setDocumentReview(0.15);
      w.setComplaintRate(0.15);
      w.setRepairCompliance(0.2);
      w.setFollowUpSatisfaction(0.15);
      w.setSurveySatisfaction(0.1);
      auto t = r.initStarThresholds(5);
      const double thresholds[] = {60, 70, 80, 88, 94};
      for (int i = 0; i < 5; ++i) t.set(i, thresholds[i]);
      r.setRedListMinScore(88);
      r.setBlackListMaxScore(60);
      r.setComplaintRateCeiling(30);
    });
    emit_.One(Tick(), "policy/time-bank", Street(), [=](schema::Payload::Builder p) {
      auto a = p.initPolicyAdopted();
      a.setPolicyId("time-bank");
      a.setVersion(1);
      a.setEffectiveFrom(year_start);
      a.setTimeZone("Asia/Shanghai");
      auto t = a.getRules().initTimeBank();
      t.setPointsPerHourCenti(100);
      t.setAllowNegative(false);
      t.setOverdraftLimitCenti(0);
    });
    AdoptVisitRules(Tick(), options_.first_year, 1);

    for (const auto& c : kCompanies) {
      std::string id = CompanyId(c);
      std::string name = c.name, licence = c.licence;
      emit_.One(Tick(), id, Street(), [=](schema::Payload::Builder p) {
        auto r = p.initCompanyRegistered();
        r.setCompanyId(id);
        r.setName(name);
        r.setLicence(licence);
      });
    }

    // Estates, their contracts and the company staff on site.
    for (int e = 0; e < estates; ++e) {
      Estate estate;
      estate.code = "e" + Pad(e + 1, 2);
      estate.id = "estate/" + estate.code;
      estate.name = kEstateNames[e % kEstateNames.size()];
      if (e >= static_cast<int>(kEstateNames.size())) {
        estate.name += std::to_string(e / kEstateNames.size() + 1) + "期";
      }
      estate.address = kRoads[e % kRoads.size()] + std::to_string(rng_.Int(1, 300)) + "号";
      estate.committee_id = "committee/" + estate.code;
      estate.place = estate.name + "党群服务站";
      estate.households = per_estate;
      estate.first_household = e * per_estate;
      estate.buildings = (per_estate + 23) / 24;
      estate.meeting_day = 5 + e % 20;
      int company = kDealOrder[e % kDealOrder.size()];
      int start_year = options_.first_year - 1 - e % 4;
      std::string contract = "contract/" + estate.code + "-" + std::to_string(start_year);
      estate.terms.push_back({company, Civil(start_year, 3, 1), contract});
      std::string estate_id = estate.id, name = estate.name, address = estate.address;
      uint32_t count = static_cast<uint32_t>(per_estate);
      emit_.One(Tick(), estate_id, Street(), [=](schema::Payload::Builder p) {
        auto r = p.initEstateRegistered();
        r.setEstateId(estate_id);
        r.setName(name);
        r.setAddress(address);
        r.setCommunity(kCommunity);
        r.setStreet(kStreet);
        r.setHouseholdCount(count);
      });
      std::string company_id = CompanyId(kCompanies[company]);
      std::string start = DayText(estate.terms.front().from_day);
      emit_.One(Tick(), contract, Street(), [=](schema::Payload::Builder p) {
        auto r = p.initServiceContractStarted();
        r.setContractId(contract);
        r.setEstateId(estate_id);
        r.setCompanyId(company_id);
        r.setStartDate(start);
      });
      estates_.push_back(std::move(estate));
      Staff(e, company, start, Tick());
    }

    // Households, and the residents who take on a role.
    households_.reserve(static_cast<size_t>(estates) * per_estate);
    for (int e = 0; e < estates; ++e) {
      for (int k = 0; k < per_estate; ++k) {
        households_.push_back(NewHousehold(e, k));
        RegisterHousehold(households_.back(), Tick());
      }
      Residents(e, year_start);
    }
    floor_ms_ = setup_ms_ + kMillisPerMinute;
    for (size_t i = 0; i < households_.size(); ++i) {
      for (size_t r = 0; r < households_[i].residents.size(); ++r) {
        const Resident& res = households_[i].residents[r];
        birthdays_[res.month][res.day].push_back({static_cast<int>(i), static_cast<int>(r)});
      }
    }
  }

  // A company's manager and repair workers for an estate.
  void Staff(int e, int company, const std::string& from, int64_t at) {
    Estate& estate = estates_[e];
    const CompanySpec& c = kCompanies[company];
    std::string company_id = CompanyId(c);
    std::string manager = "person/" + std::string(c.code) + "-pm-" + estate.code;
    estate.manager[company] = manager;
    Person(manager, PersonName(rng_), "", rng_.Chance(0.5),
           {{schema::AppointedRole::PROPERTY_MANAGER, {estate.id, company_id, "", from}}}, at);
    int workers = std::clamp(estate.households / 400 + 2, 2, 8);
    for (int w = 1; w <= workers; ++w) {
      std::string id = "person/" + std::string(c.code) + "-w-" + estate.code + "-" + Pad(w, 2);
      estate.workers[company].push_back(id);
      Person(id, PersonName(rng_), "", rng_.Chance(0.2),
             {{schema::AppointedRole::REPAIR_WORKER, {estate.id, company_id, "维修班", from}}},
             at + w);
    }
  }

  Household NewHousehold(int e, int k) {
    const Estate& estate = estates_[e];
    Household h;
    h.estate = e;
    int building = k / 24 + 1, unit = (k % 24) / 12 + 1, floor = (k % 12) / 2 + 1, door = k % 2 + 1;
    h.building = std::to_string(building);
    h.unit = std::to_string(unit);
    h.room = std::to_string(floor * 100 + door);
    std::string code = estate.code + "-" + h.building + "-" + h.unit + "-" + h.room;
    h.id = "household/" + code;
    h.phone = Phone(rng_);
    double x = rng_.Real();
    // About one household in six carries a flag that brings the must-visits.
    if (x < 0.06) {
      h.elderly_alone = true;
    } else if (x < 0.11) {
      h.retired_cadre = true;
    } else if (x < 0.14) {
      h.hardship = true;
    } else if (x < 0.165) {
      h.disability = true;
    }
    int year = options_.first_year;
    int people = h.elderly_alone ? 1 : h.retired_cadre ? 2 : rng_.Int(1, 4);
    std::string surname = rng_.Pick(kSurnames);
    for (int r = 0; r < people; ++r) {
      Resident res;
      res.person_id = "person/" + code + "-" + std::to_string(r + 1);
      res.name = (r == 0 || rng_.Chance(0.5) ? surname : rng_.Pick(kSurnames)) + rng_.Pick(kGiven);
      if (rng_.Chance(0.5)) res.name += rng_.Pick(kGiven);
      int age = h.elderly_alone || h.retired_cadre ? rng_.Int(66, 92)
                : r < 2                            ? rng_.Int(28, 75)
                                                   : rng_.Int(3, 25);
      res.birth_day = Civil(year - age, 1, 1) + rng_.Int(0, 364);
      projections::CivilDay born = projections::CivilFromDays(res.birth_day);
      if (born.month == 2 && born.day == 29) res.birth_day -= 1;  // a birthday every year
      born = projections::CivilFromDays(res.birth_day);
      res.month = born.month;
      res.day = born.day;
      h.residents.push_back(std::move(res));
    }
    h.head_name = h.residents.front().name;
    return h;
  }

  void RegisterHousehold(const Household& h, int64_t at) {
    const Estate& estate = estates_[h.estate];
    Household copy = h;
    std::string estate_id = estate.id;
    emit_.One(at, h.id, {"person/cw-01", schema::Role::COMMUNITY_WORKER},
              [copy, estate_id](schema::Payload::Builder p) {
                auto r = p.initHouseholdRegistered();
                r.setHouseholdId(copy.id);
                r.setEstateId(estate_id);
                r.setBuilding(copy.building);
                r.setUnit(copy.unit);
                r.setRoom(copy.room);
                r.setHeadName(copy.head_name);
                r.setPhone(copy.phone);
                auto f = r.initFlags();
                f.setRetiredCadre(copy.retired_cadre);
                f.setElderlyAlone(copy.elderly_alone);
                f.setHardship(copy.hardship);
                f.setDisability(copy.disability);
                auto list = r.initResidents(copy.residents.size());
                for (size_t i = 0; i < copy.residents.size(); ++i) {
                  list[i].setPersonId(copy.residents[i].person_id);
                  list[i].setName(copy.residents[i].name);
                  list[i].setBirthDate(DayText(copy.residents[i].birth_day));
                }
              });
  }

  // Grid workers, supervisors, feedback reporters, building heads, the owners' committee,
  // volunteers and the service menu of estate `e`.
  void Residents(int e, const std::string& from) {
    Estate& estate = estates_[e];
    auto resident = [&](int k) -> const Resident& {
      return households_[estate.first_household + k].residents.front();
    };
    auto household = [&](int k) -> const std::string& {
      return households_[estate.first_household + k].id;
    };
    int n = estate.households;
    int teams = std::clamp(n / 150 + 1, 1, 20);
    for (int t = 1; t <= teams; ++t) {
      std::string id = "person/grid-" + estate.code + "-" + Pad(t, 2);
      std::string team = estate.code + "-网格" + std::to_string(t) + "组";
      estate.grid_workers.push_back(id);
      estate.teams.push_back(team);
      Person(id, PersonName(rng_), "", rng_.Chance(0.7),
             {{schema::AppointedRole::GRID_WORKER, {estate.id, "", team, from}}}, Tick());
    }
    std::vector<bool> used(n, false);
    auto pick = [&]() {
      int k = static_cast<int>(rng_.Below(n));
      for (int tries = 0; used[k] && tries < n; ++tries) k = (k + 1) % n;
      used[k] = true;
      return k;
    };
    auto appoint = [&](int k, schema::AppointedRole role, bool party, const std::string& team) {
      const Resident& r = resident(k);
      Person(r.person_id, r.name, household(k), party, {{role, {estate.id, "", team, from}}},
             Tick());
      return r.person_id;
    };
    estate.supervisor = appoint(pick(), schema::AppointedRole::RESIDENT_SUPERVISOR, true, "");
    estate.reporter = appoint(pick(), schema::AppointedRole::FEEDBACK_REPORTER, false, "");
    for (int b = 0; b < estate.buildings; ++b) {
      int k = std::min(n - 1, b * 24 + static_cast<int>(rng_.Below(24)));
      if (used[k]) continue;
      used[k] = true;
      appoint(k, schema::AppointedRole::BUILDING_HEAD, rng_.Chance(0.5),
              std::to_string(b + 1) + "号楼");
    }
    // The owners' committee: a chair and four members, registered as persons.
    for (int m = 0; m < 5; ++m) {
      int k = pick();
      const Resident& r = resident(k);
      Person(r.person_id, r.name, household(k), rng_.Chance(0.4), {}, Tick());
      estate.committee.push_back(r.person_id);
    }
    estate.chair = estate.committee.front();
    std::string committee_id = estate.committee_id, estate_id = estate.id;
    std::vector<std::string> members = estate.committee;
    std::string chair = estate.chair;
    std::string term_start = std::to_string(options_.first_year - 2) + "-06-01";
    std::string term_end = std::to_string(options_.first_year + 3) + "-05-31";
    emit_.One(Tick(), committee_id, Street(), [=](schema::Payload::Builder p) {
      auto c = p.initOwnersCommitteeFormed();
      c.setCommitteeId(committee_id);
      c.setEstateId(estate_id);
      c.setChairPersonId(chair);
      SetTexts(c.initMemberPersonIds(members.size()), members);
      c.setTermStart(term_start);
      c.setTermEnd(term_end);
    });
    // Volunteers: a few in a hundred households, party members among them.
    int volunteers = std::max(2, n * 3 / 100);
    for (int v = 0; v < volunteers; ++v) {
      int k = pick();
      const Resident& r = resident(k);
      Person(r.person_id, r.name, household(k), rng_.Chance(0.45), {}, Tick());
      estate.volunteers.push_back(r.person_id);
      volunteers_[r.person_id] = Volunteer{r.person_id, e, 0, {}};
    }
    // The service menu (服务菜单) offered against the demand list.
    const std::vector<std::pair<std::string, std::string>> menu = {
        {"助餐服务 meal delivery", "person/partner-1"},
        {"上门理发", estate.volunteers.front()},
        {"家电维修", estate.workers.begin()->second.front()},
        {"代购代办", estate.volunteers.back()},
        {"陪同就医", estate.grid_workers.front()}};
    for (size_t i = 0; i < menu.size(); ++i) {
      std::string id = "menu/" + estate.code + "-" + std::to_string(i + 1);
      estate.menu_items.push_back(id);
      estate.menu_providers.push_back(menu[i].second);
      std::string name = menu[i].first, provider = menu[i].second;
      emit_.One(Tick(), id, Worker(e), [=](schema::Payload::Builder p) {
        auto m = p.initServiceMenuItemOffered();
        m.setMenuItemId(id);
        m.setEstateId(estate_id);
        m.setName(name);
        m.setProviderId(provider);
      });
    }
  }

  // ---- a day in the district -----------------------------------------------------------------

  void Day(int64_t day) {
    projections::CivilDay civil = projections::CivilFromDays(day);
    int year = civil.year;
    bool working_day = Weekday(day) != 0 && Weekday(day) != 6;
    bool last_year = year == options_.first_year + options_.years - 1;

    StreetCalendar(day, civil, last_year);
    for (int e = 0; e < static_cast<int>(estates_.size()); ++e) {
      Estate& estate = estates_[e];
      int company = estate.Company(day);
      const Quality& q = QualityOf(company);
      double n = estate.households;

      // Repairs: every category, at its own times of day and seasons.
      for (size_t c = 0; c < kRepairs.size(); ++c) {
        double per_year = n * 1.2 * kRepairs[c].weight / 100.0;
        int count = rng_.Poisson(per_year / 365.0 * SeasonFactor(kRepairs[c].season, civil.month));
        for (int i = 0; i < count; ++i) Repair(e, day, static_cast<int>(c));
      }
      // Complaints: how many depends on the company serving the estate today.
      int complaints = rng_.Poisson(n * q.complaints_per_100 / 100.0 / 365.0);
      for (int i = 0; i < complaints; ++i) Complaint(e, ReportTime(day, 0.05));

      if (civil.day == DayOfMeeting(e, civil.year, civil.month)) Meeting(e, day, civil);
      Visits(e, day);
      TimeBank(e, day);
      if (working_day && InSurveySeason(civil)) Survey(e, day);
      Inspections(e, day, civil);
      // The demand list (居民需求清单): flagged households ask for a service from the menu.
      if (rng_.Chance(n * 0.05 / 365.0)) Demand(e, day);
    }
  }

  // Once-a-period events of the street office: contract change, policy changes, corrections,
  // and the few rare events every district shows at least once.
  void StreetCalendar(int64_t day, const projections::CivilDay& civil, bool last_year) {
    int first = options_.first_year;
    if (civil.year == first && civil.month == 6 && civil.day == 20) ChangeContract(day);
    if (civil.month == 12 && civil.day == 20 && !last_year) {
      // Next year's rules: tighter repair limits once, and every year the lunar calendar.
      if (civil.year == first) AdoptRepairLimits(LocalMs(day, 10), 2, Civil(first + 1, 1, 1));
      AdoptVisitRules(LocalMs(day, 10, 30), civil.year + 1, civil.year + 1 - first + 1);
    }
    if (civil.month == 3 && civil.day == 15) DuplicateComplaint(day);
    if (civil.year == first && civil.month == 5 && civil.day == 8) MiscategorisedRepair(day);
    if (civil.year == first + 1 && civil.month == 4 && civil.day == 9) MisfiledVisit(day);
    if (civil.month == 3 && civil.day == 10) {
      FlagChange(day, true);
      FlagChange(day, false);
    }
    if (civil.month == 2 && civil.day == 20) Hospital(day);
    if (civil.year == first + 1 && civil.month == 8 && civil.day == 1) ReplaceSupervisor(day);
    if (civil.day == 1 && civil.month == 4) Demand(0, day);
  }

  // ---- complaints ------------------------------------------------------------------------------

  int DayOfMeeting(int e, int year, int month) const {
    int d = estates_[e].meeting_day;
    int64_t day = Civil(year, month, d);
    // Meetings are held on working days: a weekend meeting moves to the Monday.
    while (Weekday(day) == 0 || Weekday(day) == 6) ++day;
    projections::CivilDay c = projections::CivilFromDays(day);
    return c.month == month ? c.day : d;
  }

  std::string MeetingId(int e, int year, int month) const {
    return "meeting/" + estates_[e].code + "-" + std::to_string(year) + "-" + Pad(month, 2);
  }

  // The first meeting of estate `e` held after instant `ms`.
  std::string NextMeeting(int e, int64_t ms) const {
    projections::CivilDay c = projections::CivilFromDays(DayOf(ms));
    int64_t held = LocalMs(Civil(c.year, c.month, DayOfMeeting(e, c.year, c.month)), 14, 30);
    if (held <= ms) {
      c.month == 12 ? (c.month = 1, ++c.year) : ++c.month;
    }
    return MeetingId(e, c.year, c.month);
  }

  std::string NextId(const char* kind, int year) {
    return std::string(kind) + "/" + std::to_string(year) + "-" + Pad(++ids_[kind], 6);
  }

  // Files a complaint at `at` and plans its life: acknowledgement, public reply, resolution,
  // follow-up call, perhaps a reopening and an escalation to the joint meeting.
  std::string Complaint(int e, int64_t at, bool duplicate_of_hotline = false) {
    Estate& estate = estates_[e];
    int company = estate.Company(DayOf(at));
    const Quality& q = QualityOf(company);
    Household& h = RandomHousehold(e);
    int year = projections::LocalYear(at, kZone);
    std::string id = NextId("complaint", year);
    std::vector<double> weights;
    for (const auto& c : kComplaints) {
      weights.push_back(c.weight * (std::string(c.id) == "repairDelay" && company == kBad ? 3 : 1));
    }
    const ComplaintCategory& category = kComplaints[rng_.Weighted(weights)];
    schema::Channel channel =
        duplicate_of_hotline ? schema::Channel::HOTLINE : kChannels[rng_.Weighted(kChannelWeights)];
    std::string summary =
        h.building + "号楼" + h.unit + "单元" + h.room + "：" + rng_.Pick(category.summaries);
    std::string named = rng_.Chance(0.5) ? CompanyId(kCompanies[company]) : "";
    Actor filer = FilerOf(channel, h, e);
    std::string estate_id = estate.id, household = h.id, category_id = category.id;
    emit_.One(at, id, filer, [=](schema::Payload::Builder p) {
      auto c = p.initComplaintFiled();
      c.setComplaintId(id);
      c.setEstateId(estate_id);
      c.setHouseholdId(household);
      c.setCompanyId(named);
      c.setCategory(category_id);
      c.setChannel(channel);
      c.setSummary(summary);
    });
    if (duplicate_of_hotline) {
      // The same complaint, also posted to the owners' group and entered again by mistake.
      std::string again = NextId("complaint", year);
      emit_.One(
          at + Minutes(rng_.Int(20, 50)), again, filer,
          [=](schema::Payload::Builder p) {
            auto c = p.initComplaintFiled();
            c.setComplaintId(again);
            c.setEstateId(estate_id);
            c.setHouseholdId(household);
            c.setCategory(category_id);
            c.setChannel(schema::Channel::WECHAT_GROUP);
            c.setSummary(summary + "（微信群重复反映）");
          },
          0, [this, e, at](uint64_t seq) { VoidDuplicate(e, seq, at); });
    }

    // Every fortieth complaint goes badly whoever serves, so that every district shows a
    // reopening and an escalation.
    bool troubled = ids_["complaint"] % 40 == 3;
    Actor staff = Staff(e, company);
    int64_t resolved = 0;
    if (troubled || !rng_.Chance(q.never_ack)) {
      int64_t ack = at + Hours(rng_.Real(q.ack_h[0], q.ack_h[1]));
      if (q.ack_h[1] > 2) ack = OfficeHours(ack);
      emit_.One(ack, id, staff, [=](schema::Payload::Builder p) {
        auto s = p.initComplaintAcknowledged();
        s.setComplaintId(id);
        s.setNote("已受理，正在核实情况");
      });
      int64_t reply = OfficeHours(ack + Hours(rng_.Real(q.reply_h[0], q.reply_h[1])));
      std::string text = rng_.Pick(category.replies);
      emit_.One(reply, id, staff, [=](schema::Payload::Builder p) {
        auto r = p.initComplaintReplied();
        r.setComplaintId(id);
        r.setReply(text);
      });
      if (!rng_.Chance(q.unresolved) || troubled) {
        resolved = OfficeHours(reply + Hours(rng_.Real(q.resolve_h[0], q.resolve_h[1])));
        emit_.One(resolved, id, staff, [=](schema::Payload::Builder p) {
          auto s = p.initComplaintResolved();
          s.setComplaintId(id);
          s.setNote("问题已处理完毕 resolved");
        });
        resolved = ComplaintFollowUps(e, id, resolved, q, troubled, staff);
      }
    }
    int64_t two_weeks = at + 14 * kMillisPerDay;
    if ((resolved == 0 || resolved > two_weeks) && (troubled || rng_.Chance(q.escalate))) {
      int64_t when = OfficeHours(LocalMs(DayOf(two_weeks), 10));
      std::string meeting = NextMeeting(e, when);
      agenda_[meeting].push_back(id);
      emit_.One(when, id, Worker(e), [=](schema::Payload::Builder p) {
        auto s = p.initComplaintEscalated();
        s.setComplaintId(id);
        s.setMeetingId(meeting);
        s.setReason("两周未解决，提交联席会议 open for two weeks: to the joint meeting");
      });
    }
    recent_complaints_[e].push_back({id, at, resolved});
    return id;
  }

  // Follow-up calls after a resolution; a dissatisfied resident may have it reopened, once.
  // Returns when the complaint was finally resolved.
  int64_t ComplaintFollowUps(int e, const std::string& id, int64_t resolved, const Quality& q,
                             bool troubled, const Actor& staff) {
    int64_t call = OfficeHours(resolved + Hours(rng_.Real(20, 72)));
    schema::Satisfaction s = troubled ? schema::Satisfaction::DISSATISFIED : Answer(q.follow_up);
    FollowUp(call, id, "complaint", s, Worker(e));
    if (s == schema::Satisfaction::DISSATISFIED &&
        (troubled || rng_.Chance(q.reopen_if_dissatisfied))) {
      int64_t reopened = call + Minutes(rng_.Int(10, 120));
      emit_.One(reopened, id, Worker(e), [=](schema::Payload::Builder p) {
        auto r = p.initComplaintReopened();
        r.setComplaintId(id);
        r.setNote("回访不满意，重新办理 reopened after the follow-up call");
      });
      int64_t again = OfficeHours(reopened + Hours(rng_.Real(q.resolve_h[0], q.resolve_h[1])));
      emit_.One(again, id, staff, [=](schema::Payload::Builder p) {
        auto r = p.initComplaintResolved();
        r.setComplaintId(id);
        r.setNote("二次处理完毕");
      });
      FollowUp(OfficeHours(again + Hours(rng_.Real(20, 72))), id, "complaint",
               Answer(q.follow_up[0] + 0.2, q.follow_up[1], q.follow_up[2] * 0.5), Worker(e));
      return again;
    }
    return resolved;
  }

  schema::Satisfaction Answer(const double (&shares)[3]) {
    return Answer(shares[0], shares[1], shares[2]);
  }
  schema::Satisfaction Answer(double satisfied, double basically, double dissatisfied) {
    switch (rng_.Weighted({satisfied, basically, dissatisfied})) {
      case 0:
        return schema::Satisfaction::SATISFIED;
      case 1:
        return schema::Satisfaction::BASICALLY_SATISFIED;
      default:
        return schema::Satisfaction::DISSATISFIED;
    }
  }

  void FollowUp(int64_t at, const std::string& subject, const std::string& kind,
                schema::Satisfaction satisfaction, const Actor& by, int64_t lag = 0) {
    static const std::map<schema::Satisfaction, std::vector<std::string>> kComments = {
        {schema::Satisfaction::SATISFIED, {"很满意，处理及时", "服务态度好", "Very happy with it"}},
        {schema::Satisfaction::BASICALLY_SATISFIED, {"基本满意", "还行，就是慢了点"}},
        {schema::Satisfaction::DISSATISFIED,
         {"不满意，问题没有根本解决", "拖得太久", "Still not fixed properly"}}};
    std::string comment = rng_.Pick(kComments.at(satisfaction));
    emit_.One(
        at, subject, by,
        [=](schema::Payload::Builder p) {
          auto f = p.initFollowUpRecorded();
          if (kind == "complaint") {
            f.getSubject().setComplaintId(subject);
          } else if (kind == "repair") {
            f.getSubject().setRepairId(subject);
          } else {
            f.getSubject().setVisitId(subject);
          }
          f.setSatisfaction(satisfaction);
          f.setComment(comment);
        },
        lag);
  }

  Actor FilerOf(schema::Channel channel, const Household& h, int e) {
    switch (channel) {
      case schema::Channel::HOTLINE:
      case schema::Channel::WECHAT_GROUP:
        return ResidentActor(h);
      case schema::Channel::DOOR_TO_DOOR:
      case schema::Channel::FORUM:
        return {rng_.Pick(estates_[e].grid_workers), schema::Role::COMMUNITY_WORKER};
      default:
        return Worker(e);
    }
  }

  // ---- repairs ---------------------------------------------------------------------------------

  int64_t Deadline(const RepairCategory& c, int64_t at) const {
    bool v2 = DayOf(at) >= Civil(options_.first_year + 1, 1, 1);
    uint32_t hours = v2 ? c.hours_v2 : c.hours_v1, morning = v2 ? c.morning_v2 : c.morning_v1;
    int64_t deadline = at + hours * kMillisPerHour;
    if (morning > 0)
      deadline = std::max(deadline, LocalMs(DayOf(at) + 1, static_cast<int>(morning)));
    return deadline;
  }

  // Requests a repair on `day` and plans its dispatch, completion and follow-up by the quality
  // of the company serving the estate. With `entered_as`, the request is entered under that
  // category by mistake and replaced with the right one the next working day.
  void Repair(int e, int64_t day, int category, const char* entered_as = nullptr) {
    Estate& estate = estates_[e];
    const RepairCategory& c = kRepairs[category];
    int64_t at = ReportTime(day, c.night);
    int company = estate.Company(DayOf(at));
    const Quality& q = QualityOf(company);
    Household& h = RandomHousehold(e);
    std::string id = NextId("repair", projections::LocalYear(at, kZone));
    std::string location = c.common_area ? h.building + "号楼" + h.unit + "单元公共区域"
                                         : h.building + "号楼" + h.unit + "单元" + h.room + "室";
    std::string description = rng_.Pick(c.descriptions);
    schema::Channel channel = rng_.Chance(0.6)   ? schema::Channel::HOTLINE
                              : rng_.Chance(0.7) ? schema::Channel::WECHAT_GROUP
                                                 : schema::Channel::DOOR_TO_DOOR;
    std::string estate_id = estate.id, household = h.id;
    std::string category_id = entered_as ? entered_as : c.id;
    std::function<void(uint64_t)> on_requested;
    if (entered_as) {
      std::string right = c.id;
      on_requested = [=, this](uint64_t seq) {
        emit_.One(OfficeHours(at + 20 * kMillisPerHour), "correction/" + std::to_string(seq),
                  Worker(e), [=](schema::Payload::Builder p) {
                    auto c = p.initCorrectionRecorded();
                    c.setCorrectsSeq(seq);
                    c.setReason("报修类别登记错误：应为照明 category entered wrongly, lighting");
                    auto r = c.getAction().initReplacement().initRepairRequested();
                    r.setRepairId(id);
                    r.setEstateId(estate_id);
                    r.setHouseholdId(household);
                    r.setCategory(right);
                    r.setDescription(description);
                    r.setChannel(channel);
                    r.setLocation(location);
                  });
      };
    }
    emit_.One(
        at, id, ResidentActor(h),
        [=](schema::Payload::Builder p) {
          auto r = p.initRepairRequested();
          r.setRepairId(id);
          r.setEstateId(estate_id);
          r.setHouseholdId(household);
          r.setCategory(category_id);
          r.setDescription(description);
          r.setChannel(channel);
          r.setLocation(location);
        },
        0, std::move(on_requested));
    int64_t deadline = Deadline(c, at);
    int local_hour = static_cast<int>((at - LocalMs(DayOf(at), 0)) / kMillisPerHour);
    bool night = local_hour < 7 || local_hour >= 22;
    int64_t dispatched = at + Minutes(rng_.Real(q.dispatch_min[0], q.dispatch_min[1]));
    if (night && rng_.Chance(q.night_wait)) {
      dispatched = LocalMs(DayOf(at) + (local_hour >= 22 ? 1 : 0), 8) + Minutes(rng_.Int(0, 60));
    }
    std::string worker = rng_.Pick(estate.workers.at(company));
    std::string company_id = CompanyId(kCompanies[company]);
    Actor staff{worker, schema::Role::COMPANY_STAFF};
    emit_.One(dispatched, id, Staff(e, company), [=](schema::Payload::Builder p) {
      auto d = p.initRepairDispatched();
      d.setRepairId(id);
      d.setWorkerId(worker);
      d.setCompanyId(company_id);
      d.setNote(night ? "夜间值班派单" : "已派单");
    });
    double x = rng_.Real();
    if (x < q.left_open) {
      recent_repairs_[e].push_back({id, at, 0});
      return;
    }
    int64_t done;
    bool on_time = x < q.left_open + q.on_time;
    if (on_time) {
      done = at + static_cast<int64_t>((deadline - at) * rng_.Real(0.15, 0.85));
      done = std::max(done, dispatched + Minutes(rng_.Int(20, 90)));
      if (done > deadline) done = std::max(dispatched + Minutes(5), deadline - Minutes(5));
    } else {
      done = std::max(deadline, dispatched) + Hours(rng_.Real(0.5, q.late_h));
    }
    std::string fix = rng_.Pick(c.fixes);
    emit_.One(done, id, staff, [=](schema::Payload::Builder p) {
      auto r = p.initRepairCompleted();
      r.setRepairId(id);
      r.setWorkerId(worker);
      r.setNote(fix);
    });
    if (done > deadline) recent_repairs_[e].push_back({id, at, done});
    if (rng_.Chance(0.65)) {
      double s = q.follow_up[0], b = q.follow_up[1], d = q.follow_up[2];
      if (done > deadline) {
        s *= 0.5;
        d += 0.3;
      }
      FollowUp(OfficeHours(done + Hours(rng_.Real(4, 60))), id, "repair", Answer(s, b, d),
               Worker(e));
    }
  }

  // ---- visits ----------------------------------------------------------------------------------

  std::string TeamOf(const Household& h) const {
    const Estate& estate = estates_[h.estate];
    size_t team = (std::stoi(h.building) - 1) * estate.teams.size() / std::max(1, estate.buildings);
    return estate.teams[std::min(team, estate.teams.size() - 1)];
  }

  std::string GridWorkerOf(const Household& h) const {
    const Estate& estate = estates_[h.estate];
    std::string team = TeamOf(h);
    for (size_t i = 0; i < estate.teams.size(); ++i) {
      if (estate.teams[i] == team) return estate.grid_workers[i];
    }
    return estate.grid_workers.front();
  }

  // A home visit to `h` on `day`; recorded within hours, or now and then days late from a paper
  // form. With `entered_for`, it is entered against that household by mistake and replaced with
  // the right one the next day.
  void HomeVisit(const Household& h, int64_t day, schema::VisitReason reason,
                 std::vector<std::string> obligations, std::string note,
                 const Household* entered_for = nullptr) {
    int64_t at = WorkTime(day, 9, 17);
    std::string id = NextId("visit", projections::LocalYear(at, kZone));
    std::string household = h.id, team = TeamOf(h);
    std::vector<std::string> visitors = {GridWorkerOf(h)};
    const Estate& estate = estates_[h.estate];
    if (rng_.Chance(0.6)) visitors.push_back(rng_.Pick(estate.volunteers));
    std::vector<std::string> services;
    int count = rng_.Int(1, 3);
    for (int i = 0; i < count; ++i) {
      std::string s = rng_.Pick(kVisitServices);
      if (std::find(services.begin(), services.end(), s) == services.end()) services.push_back(s);
    }
    // A few visits are entered from paper forms over a week later; the first one of March always.
    bool late = !entered_for && (rng_.Chance(0.004) ||
                                 (!late_visit_ && projections::CivilFromDays(day).month == 3));
    late_visit_ = late_visit_ || late;
    int64_t lag = late ? rng_.Int(8, 12) * kMillisPerDay : Minutes(rng_.Int(20, 240));
    Actor by{visitors.front(), schema::Role::COMMUNITY_WORKER};
    auto visit = [=](schema::HomeVisitRecorded::Builder v, const std::string& household) {
      v.setVisitId(id);
      v.setHouseholdId(household);
      v.setTeam(team);
      SetTexts(v.initVisitorIds(visitors.size()), visitors);
      SetTexts(v.initServices(services.size()), services);
      SetTexts(v.initObligationIds(obligations.size()), obligations);
      v.setReason(reason);
      v.setNote(late ? note + "（纸质记录补录 entered from the paper form）" : note);
    };
    std::function<void(uint64_t)> on_recorded;
    if (entered_for) {
      int e = h.estate;
      on_recorded = [=, this](uint64_t seq) {
        emit_.One(WorkTime(day + 1, 9, 11), "correction/" + std::to_string(seq), Worker(e),
                  [=](schema::Payload::Builder p) {
                    auto c = p.initCorrectionRecorded();
                    c.setCorrectsSeq(seq);
                    c.setReason("走访记录门牌号填错 entered against the flat next door");
                    visit(c.getAction().initReplacement().initHomeVisitRecorded(), household);
                  });
      };
    }
    std::string entered = entered_for ? entered_for->id : household;
    emit_.One(
        at, id, by, [=](schema::Payload::Builder p) { visit(p.initHomeVisitRecorded(), entered); },
        lag, std::move(on_recorded));
    if (!late && rng_.Chance(0.08)) {
      FollowUp(at + lag + Hours(rng_.Real(20, 72)), id, "visit", Answer(0.85, 0.13, 0.02),
               Worker(h.estate));
    }
  }

  // When a must-visit happens: mostly within the window, sometimes after it, now and then never.
  std::optional<int64_t> VisitDay(int64_t first_day, uint32_t window) {
    double x = rng_.Real();
    if (x < 0.9) return first_day + rng_.Int(0, static_cast<int>(window));
    if (x < 0.96) return first_day + window + rng_.Int(2, 10);
    return std::nullopt;
  }

  void Visits(int e, int64_t day) {
    const Estate& estate = estates_[e];
    projections::CivilDay civil = projections::CivilFromDays(day);
    // Holidays: every flagged household.
    char today[6];
    std::snprintf(today, sizeof today, "%02d-%02d", civil.month, civil.day);
    for (const auto& [name, month_day] : HolidaysOf(civil.year)) {
      if (month_day != today) continue;
      for (int k = 0; k < estate.households; ++k) {
        const Household& h = households_[estate.first_household + k];
        if (!h.flagged()) continue;
        if (auto when = VisitDay(day, kHolidayWindow)) {
          HomeVisit(h, *when, schema::VisitReason::HOLIDAY, {}, name + "走访慰问");
        }
      }
    }
    // Birthdays of the residents of flagged households.
    for (const auto& [index, r] : birthdays_[civil.month][civil.day]) {
      const Household& h = households_[index];
      if (h.estate != e || !h.flagged()) continue;
      if (auto when = VisitDay(day, kBirthdayWindow)) {
        HomeVisit(h, *when, schema::VisitReason::BIRTHDAY, {},
                  h.residents[r].name + "生日慰问 birthday visit");
      }
    }
    // Hospital stays and hardship reports raise an obligation; routine visits to others.
    if (rng_.Chance(estate.households * 0.02 / 365.0)) Hospital(day, e);
    if (rng_.Chance(estate.households * 0.003 / 365.0)) FlagChange(day, true, e);
    int routine = rng_.Poisson(estate.households * 0.04 / 365.0);
    for (int i = 0; i < routine; ++i) {
      const Household& h = households_[estate.first_household + rng_.Below(estate.households)];
      if (h.flagged()) continue;  // a visit to a flagged household would answer a must-visit
      HomeVisit(h, day, schema::VisitReason::HOLIDAY, {}, "日常走访入户 routine visit");
    }
  }

  void Obligation(const Household& h, int64_t day, schema::VisitReason reason, uint32_t window,
                  const std::string& note) {
    int64_t at = WorkTime(day, 9, 16);
    std::string id = NextId("obligation", projections::LocalYear(at, kZone));
    std::string household = h.id, due = DayText(day + window);
    emit_.One(at, id, Worker(h.estate), [=](schema::Payload::Builder p) {
      auto o = p.initVisitObligationRaised();
      o.setObligationId(id);
      o.setHouseholdId(household);
      o.setReason(reason);
      o.setDueBy(due);
      o.setNote(note);
    });
    if (auto when = VisitDay(day, window)) {
      // The visit is never before the obligation was recorded.
      HomeVisit(
          h, std::max(*when, day + 1), reason, {id},
          reason == schema::VisitReason::HOSPITAL ? "住院探望 hospital visit" : "困难家庭帮扶走访");
    }
  }

  void Hospital(int64_t day, int e = 0) {
    const Household& h = RandomHousehold(e);
    static const std::vector<std::string> kHospitals = {"市第一人民医院", "中医院", "区人民医院",
                                                        "City Central Hospital"};
    Obligation(h, day, schema::VisitReason::HOSPITAL, kHospitalWindow,
               h.residents.front().name + "住院治疗（" + rng_.Pick(kHospitals) + "）");
  }

  // A household's flags change: hardship reported (which raises a must-visit), or lifted.
  void FlagChange(int64_t day, bool hardship, int e = -1) {
    if (e < 0) e = static_cast<int>(rng_.Below(estates_.size()));
    Household* found = nullptr;
    for (int tries = 0; tries < 50 && !found; ++tries) {
      Household& h = RandomHousehold(e);
      if (hardship ? !h.hardship && !h.flagged() : h.hardship) found = &h;
    }
    if (!found) return;
    Household& h = *found;
    h.hardship = hardship;
    std::string id = h.id;
    bool rc = h.retired_cadre, alone = h.elderly_alone, dis = h.disability;
    std::string reason = hardship ? "家庭成员患重病，经济困难 serious illness in the family"
                                  : "家庭收入恢复，退出困难帮扶";
    emit_.One(WorkTime(day, 9, 11), id, Worker(e), [=](schema::Payload::Builder p) {
      auto c = p.initHouseholdFlagsChanged();
      c.setHouseholdId(id);
      auto f = c.initFlags();
      f.setRetiredCadre(rc);
      f.setElderlyAlone(alone);
      f.setHardship(hardship);
      f.setDisability(dis);
      c.setReason(reason);
    });
    if (hardship) {
      Obligation(h, day, schema::VisitReason::HARDSHIP, kHardshipWindow, "困难家庭必访");
    }
  }

  void Demand(int e, int64_t day) {
    const Estate& estate = estates_[e];
    const Household* h = nullptr;
    for (int tries = 0; tries < 20 && !h; ++tries) {
      const Household& candidate = RandomHousehold(e);
      if (candidate.flagged()) h = &candidate;
    }
    if (!h) h = &RandomHousehold(e);
    static const std::vector<std::pair<std::string, std::string>> kDemands = {
        {"meal", "独居老人希望提供助餐服务"},
        {"haircut", "行动不便，需要上门理发"},
        {"appliance", "家里电视机坏了需要维修"},
        {"errand", "需要代购日常用品"},
        {"escort", "需要陪同去医院复查"}};
    size_t which = rng_.Below(kDemands.size());
    int64_t at = WorkTime(day);
    std::string id = NextId("demand", projections::LocalYear(at, kZone));
    std::string estate_id = estate.id, household = h->id, category = kDemands[which].first,
                description = kDemands[which].second;
    Actor grid{GridWorkerOf(*h), schema::Role::COMMUNITY_WORKER};
    emit_.One(at, id, grid, [=](schema::Payload::Builder p) {
      auto d = p.initDemandRecorded();
      d.setDemandId(id);
      d.setEstateId(estate_id);
      d.setHouseholdId(household);
      d.setCategory(category);
      d.setDescription(description);
    });
    if (rng_.Chance(0.85)) {
      std::string menu = estate.menu_items[which], provider = estate.menu_providers[which];
      emit_.One(WorkTime(day + rng_.Int(1, 10)), id, grid, [=](schema::Payload::Builder p) {
        auto m = p.initDemandMet();
        m.setDemandId(id);
        m.setMenuItemId(menu);
        m.setProviderId(provider);
        m.setNote("已按服务菜单安排");
      });
    }
  }

  // ---- the time bank ---------------------------------------------------------------------------

  void TimeBank(int e, int64_t day) {
    const Estate& estate = estates_[e];
    int year = projections::CivilFromDays(day).year;
    for (const std::string& person : estate.volunteers) {
      if (!rng_.Chance(1.5 / 30)) continue;
      int64_t at = LocalMs(day, 18) + Minutes(rng_.Int(0, 180));
      std::string id = NextId("claim", year);
      uint32_t minutes = static_cast<uint32_t>(30 * rng_.Int(1, 8));
      std::string activity = rng_.Pick(kVolunteerActivities), service_day = DayText(day);
      std::string beneficiary =
          rng_.Chance(0.3) ? RandomHousehold(e).residents.front().person_id : "";
      std::string estate_id = estate.id;
      emit_.One(Clamp(at), id, {person, schema::Role::RESIDENT}, [=](schema::Payload::Builder p) {
        auto c = p.initVolunteerHoursClaimed();
        c.setClaimId(id);
        c.setPersonId(person);
        c.setEstateId(estate_id);
        c.setMinutes(minutes);
        c.setActivity(activity);
        c.setServiceDate(service_day);
        c.setBeneficiaryId(beneficiary);
      });
      int64_t decided = WorkTime(day + rng_.Int(1, 4), 9, 17);
      // The seventh claim is rejected whatever happens, so that every district shows one.
      bool reject = ids_["claim"] == 7 || rng_.Chance(0.07);
      emit_.One(decided, id, Worker(e), [=](schema::Payload::Builder p) {
        auto d = reject ? p.initVolunteerHoursRejected() : p.initVolunteerHoursVerified();
        d.setClaimId(id);
        d.setNote(reject ? "签到记录缺失，时长无法核实"
                         : "已核实 verified against the sign-in sheet");
      });
      if (!reject) volunteers_[person].pending.push_back({decided, minutes * 100 / 60});
    }
    // Exchanges: a resident pays another volunteer in points for a service.
    int64_t now = LocalMs(day, 0);
    if (estate.volunteers.size() < 2 || !rng_.Chance(estate.volunteers.size() * 0.3 / 30)) return;
    Volunteer& payer = volunteers_[rng_.Pick(estate.volunteers)];
    Volunteer& provider = volunteers_[rng_.Pick(estate.volunteers)];
    if (payer.person_id == provider.person_id) return;
    for (auto it = payer.pending.begin(); it != payer.pending.end();) {
      if (it->first < now) {
        payer.balance_centi += it->second;
        it = payer.pending.erase(it);
      } else {
        ++it;
      }
    }
    // Now and then someone tries to spend more than they have; the view refuses it.
    bool overdraw = (!overdrawn_ && day >= first_day_ + 150) || rng_.Chance(0.02);
    int64_t points;
    if (overdraw) {
      overdrawn_ = true;
      points = payer.balance_centi + 100 * rng_.Int(2, 5);
    } else {
      if (payer.balance_centi < 100) return;
      points = 100 * rng_.Int(1, static_cast<int>(std::min<int64_t>(payer.balance_centi / 100, 4)));
      payer.balance_centi -= points;
      provider.balance_centi += points;
    }
    std::string id = NextId("exchange", projections::CivilFromDays(day).year);
    std::string payer_id = payer.person_id, provider_id = provider.person_id;
    std::string service = rng_.Pick(kExchangeServices);
    emit_.One(WorkTime(day, 9, 20), id, Worker(e), [=](schema::Payload::Builder p) {
      auto x = p.initTimeBankExchanged();
      x.setExchangeId(id);
      x.setPayerId(payer_id);
      x.setProviderId(provider_id);
      x.setPointsCenti(points);
      x.setService(service);
    });
  }

  // ---- surveys, inspections and reviews --------------------------------------------------------

  static bool InSurveySeason(const projections::CivilDay& d) {
    return (d.month == 10 && d.day >= 8) || d.month == 11;
  }

  void Survey(int e, int64_t day) {
    const Estate& estate = estates_[e];
    int company = estate.Company(day);
    const Quality& q = QualityOf(company);
    // A third of the households over the season's ~38 working days.
    int count = rng_.Poisson(estate.households * 0.3 / 38.0);
    if (count == 0) return;
    int year = projections::CivilFromDays(day).year;
    std::string survey = "survey/" + std::to_string(year) + "-" + estate.code;
    static const std::vector<std::string> kQuestions = {"物业服务总体满意度 overall", "维修及时性",
                                                        "环境卫生", "安全管理", "投诉处理"};
    std::vector<Draft> drafts;
    for (int i = 0; i < count; ++i) {
      const Household& h = households_[estate.first_household + rng_.Below(estate.households)];
      bool anonymous = rng_.Chance(0.25);
      std::string household = anonymous ? "" : h.id;
      std::string named = rng_.Chance(0.8) ? CompanyId(kCompanies[company]) : "";
      std::vector<schema::Satisfaction> answers;
      for (size_t k = 0; k < kQuestions.size(); ++k) answers.push_back(Answer(q.survey));
      std::string estate_id = estate.id;
      drafts.push_back({WorkTime(day, 9, 17),
                        {GridWorkerOf(h), schema::Role::COMMUNITY_WORKER},
                        [=](schema::Payload::Builder p) {
                          auto r = p.initSurveyResponseRecorded();
                          r.setSurveyId(survey);
                          r.setEstateId(estate_id);
                          r.setCompanyId(named);
                          r.setHouseholdId(household);
                          r.setAnonymous(anonymous);
                          auto list = r.initAnswers(answers.size());
                          for (size_t k = 0; k < answers.size(); ++k) {
                            list[k].setQuestion(kQuestions[k]);
                            list[k].setSatisfaction(answers[k]);
                          }
                        }});
    }
    // The day's paper forms are entered together in the evening, at most 500 to an append.
    std::sort(drafts.begin(), drafts.end(),
              [](const Draft& a, const Draft& b) { return a.occurred_at < b.occurred_at; });
    int64_t evening = LocalMs(day, 19, 30) + Minutes(rng_.Int(0, 60));
    for (size_t from = 0; from < drafts.size(); from += 500) {
      std::vector<Draft> part(
          std::make_move_iterator(drafts.begin() + from),
          std::make_move_iterator(drafts.begin() + std::min(drafts.size(), from + 500)));
      emit_.Plan(evening, survey, std::move(part));
    }
  }

  std::vector<std::pair<std::string, double>> Scores(const std::vector<std::string>& items,
                                                     double max, const double (&range)[2]) {
    double level = rng_.Real(range[0], range[1]);
    std::vector<std::pair<std::string, double>> out;
    for (const auto& item : items) {
      double share = std::clamp(level + rng_.Real(-0.05, 0.05), 0.0, 1.0);
      out.push_back({item, std::round(share * max * 2) / 2});  // half points
    }
    return out;
  }

  void Sheet(bool inspection, const std::string& sheet_id, schema::SubjectKind kind,
             const std::string& subject, const std::string& estate_id, int year, int64_t at,
             std::vector<std::pair<std::string, double>> scores, double max) {
    std::vector<std::string> inspectors = {"person/street-inspector-1",
                                           "person/street-inspector-2"};
    emit_.One(
        at, sheet_id, Inspector(static_cast<int>(ids_["sheet"]++)),
        [=](schema::Payload::Builder p) {
          auto s = inspection ? p.initInspectionRecorded() : p.initDocumentReviewRecorded();
          s.setSheetId(sheet_id);
          auto subj = s.initSubject();
          subj.setKind(kind);
          subj.setId(subject);
          s.setEstateId(estate_id);
          s.setYear(static_cast<uint16_t>(year));
          auto items = s.initItems(scores.size());
          for (size_t i = 0; i < scores.size(); ++i) {
            items[i].setItem(scores[i].first);
            items[i].setScore(scores[i].second);
            items[i].setMaxScore(max);
          }
          SetTexts(s.initInspectorIds(inspectors.size()), inspectors);
        },
        Hours(rng_.Real(1, 6)));
  }

  void Inspections(int e, int64_t day, const projections::CivilDay& civil) {
    const Estate& estate = estates_[e];
    int company = estate.Company(day);
    const Quality& q = QualityOf(company);
    std::string year = std::to_string(civil.year);
    static const std::vector<std::string> kOnSite = {"环境卫生", "设施设备维护", "安全管理",
                                                     "绿化养护", "服务态度 attitude"};
    static const std::vector<std::string> kDocuments = {"台账资料", "维修记录", "收支公示",
                                                        "应急预案"};
    int offset = e % 10;
    // On-site inspections (实地巡查) in June and November, of the company serving that day; the
    // second also rates the estate's property manager.
    for (int round : {1, 2}) {
      int month = round == 1 ? 6 : 11;
      if (civil.month != month || civil.day != 8 + offset) continue;
      std::string company_id = CompanyId(kCompanies[company]);
      Sheet(true, "inspection/" + year + "-" + estate.code + "-" + std::to_string(round),
            schema::SubjectKind::COMPANY, company_id, estate.id, civil.year, WorkTime(day, 9, 11),
            Scores(kOnSite, 20, q.inspection), 20);
      if (round == 2) {
        Sheet(true, "inspection/" + year + "-" + estate.code + "-pm",
              schema::SubjectKind::PROPERTY_MANAGER, estate.manager.at(company), estate.id,
              civil.year, WorkTime(day, 14, 16), Scores(kOnSite, 20, q.inspection), 20);
      }
    }
    if (civil.month != 12) return;
    // Document reviews (查阅资料): each company once, at its first estate's date; every other
    // owners' committee.
    if (civil.day == 2 + offset && FirstEstateOf(company, day) == e) {
      Sheet(false, "review/" + year + "-" + kCompanies[company].code, schema::SubjectKind::COMPANY,
            CompanyId(kCompanies[company]), "", civil.year, WorkTime(day, 9, 16),
            Scores(kDocuments, 25, q.inspection), 25);
    }
    if (civil.day == 3 + offset && e % 2 == 0) {
      const double committee_range[2] = {0.7, 0.95};
      Sheet(false, "review/" + year + "-committee-" + estate.code,
            schema::SubjectKind::OWNERS_COMMITTEE, estate.committee_id, estate.id, civil.year,
            WorkTime(day, 9, 16), Scores(kDocuments, 25, committee_range), 25);
    }
  }

  int FirstEstateOf(int company, int64_t day) const {
    for (int e = 0; e < static_cast<int>(estates_.size()); ++e) {
      if (estates_[e].Company(day) == company) return e;
    }
    return -1;
  }

  // ---- joint meetings --------------------------------------------------------------------------

  void Meeting(int e, int64_t day, const projections::CivilDay& civil) {
    Estate& estate = estates_[e];
    int company = estate.Company(day);
    const Quality& q = QualityOf(company);
    int64_t held = LocalMs(day, 14, 30);
    std::string id = MeetingId(e, civil.year, civil.month);
    // The agenda: escalated complaints, complaints still open, repairs late or overdue.
    std::vector<std::string> complaints = agenda_[id];
    agenda_.erase(id);
    auto& recent = recent_complaints_[e];
    for (const Recent& r : recent) {
      if (complaints.size() >= 8) break;
      bool open = r.closed_at == 0 || r.closed_at > held;
      if (open && r.at < held &&
          std::find(complaints.begin(), complaints.end(), r.id) == complaints.end()) {
        complaints.push_back(r.id);
      }
    }
    std::vector<std::string> repairs;
    for (const Recent& r : recent_repairs_[e]) {
      if (repairs.size() >= 6) break;
      if (r.at < held && (r.closed_at == 0 || r.closed_at > held)) repairs.push_back(r.id);
    }
    // Forget what an agenda will not look at again.
    auto stale = [&](const Recent& r) { return r.at < held - 60 * kMillisPerDay; };
    recent.erase(std::remove_if(recent.begin(), recent.end(), stale), recent.end());
    auto& rr = recent_repairs_[e];
    rr.erase(std::remove_if(rr.begin(), rr.end(), stale), rr.end());

    std::string topic = kMeetingTopics[(civil.month + e) % kMeetingTopics.size()];
    struct Item {
      std::string title;
      std::vector<std::string> complaints, repairs;
    };
    std::vector<Item> agenda = {
        {"上月投诉处理情况 complaints since the last meeting", complaints, {}},
        {"维修时限落实情况 repair time limits", {}, repairs},
        {topic, {}, {}}};
    std::string manager = estate.manager.at(company);
    std::vector<std::tuple<std::string, std::string, schema::Side>> attendees = {
        {"person/street-director", Name("person/street-director"), schema::Side::STREET_OFFICE},
        {"person/party-secretary", Name("person/party-secretary"), schema::Side::COMMUNITY_PARTY},
        {"person/rc-director", Name("person/rc-director"), schema::Side::RESIDENTS_COMMITTEE},
        {estate.chair, Name(estate.chair), schema::Side::OWNERS_COMMITTEE},
        {manager, Name(manager), schema::Side::PROPERTY_COMPANY},
        {"person/partner-1", Name("person/partner-1"), schema::Side::PARTNER_UNIT},
        {estate.supervisor, Name(estate.supervisor), schema::Side::RESIDENT_REPRESENTATIVE},
        {estate.reporter, Name(estate.reporter), schema::Side::RESIDENT_REPRESENTATIVE}};
    std::string estate_id = estate.id, place = estate.place, held_on = DayText(day);
    std::string minutes = estate.name + std::to_string(civil.month) + "月联席会议：通报投诉" +
                          std::to_string(complaints.size()) + "件、超时维修" +
                          std::to_string(repairs.size()) + "件，议定" + topic + "事项。";
    Actor secretary = Worker(e);
    std::vector<Draft> drafts;
    drafts.push_back(
        {held, secretary, [=](schema::Payload::Builder p) {
           auto m = p.initJointMeetingHeld();
           m.setMeetingId(id);
           m.setEstateId(estate_id);
           m.setHeldOn(held_on);
           m.setPlace(place);
           auto list = m.initAttendees(attendees.size());
           for (size_t i = 0; i < attendees.size(); ++i) {
             list[i].setPersonId(std::get<0>(attendees[i]));
             list[i].setName(std::get<1>(attendees[i]));
             list[i].setSide(std::get<2>(attendees[i]));
           }
           auto items = m.initAgenda(agenda.size());
           for (size_t i = 0; i < agenda.size(); ++i) {
             items[i].setTitle(agenda[i].title);
             SetTexts(items[i].initComplaintIds(agenda[i].complaints.size()), agenda[i].complaints);
             SetTexts(items[i].initRepairIds(agenda[i].repairs.size()), agenda[i].repairs);
           }
           m.setMinutes(minutes);
         }});
    // Resolutions: who does what by when.
    static const std::vector<std::pair<std::string, schema::Side>> kResolutions = {
        {"物业公司两周内完成超时维修整改", schema::Side::PROPERTY_COMPANY},
        {"物业公司公示本季度维修及投诉处理情况", schema::Side::PROPERTY_COMPANY},
        {"业委会组织业主代表监督整改", schema::Side::OWNERS_COMMITTEE},
        {"居委会开展文明养宠宣传", schema::Side::RESIDENTS_COMMITTEE},
        {"物业公司增设夜间维修值班", schema::Side::PROPERTY_COMPANY},
        {"街道协调联点单位解决停车难", schema::Side::STREET_OFFICE}};
    int count = rng_.Int(1, 3);
    for (int i = 0; i < count; ++i) {
      const auto& [text, side] = kResolutions[rng_.Below(kResolutions.size())];
      std::string rid = "resolution/" + estate.code + "-" + std::to_string(civil.year) + "-" +
                        Pad(civil.month, 2) + "-" + std::to_string(i + 1);
      std::string owner = side == schema::Side::PROPERTY_COMPANY      ? manager
                          : side == schema::Side::OWNERS_COMMITTEE    ? estate.chair
                          : side == schema::Side::RESIDENTS_COMMITTEE ? "person/rc-director"
                                                                      : "person/street-director";
      int64_t due = day + rng_.Int(14, 30);
      std::string due_text = DayText(due), resolution_text = text;
      schema::Side owner_side = side;
      drafts.push_back({held, secretary, [=](schema::Payload::Builder p) {
                          auto r = p.initResolutionAdopted();
                          r.setResolutionId(rid);
                          r.setMeetingId(id);
                          r.setEstateId(estate_id);
                          r.setText(resolution_text);
                          r.setOwnerSide(owner_side);
                          r.setOwnerId(owner);
                          r.setDueDate(due_text);
                        }});
      const Quality& who = side == schema::Side::PROPERTY_COMPANY ? q : QualityOf(1);
      Resolution(
          e, rid, day, due, who,
          {owner, side == schema::Side::PROPERTY_COMPANY   ? schema::Role::COMPANY_STAFF
                  : side == schema::Side::OWNERS_COMMITTEE ? schema::Role::OWNERS_COMMITTEE
                                                           : schema::Role::COMMUNITY_WORKER});
    }
    // The minutes are typed up after the meeting.
    emit_.Plan(LocalMs(day, 17, 30) + Minutes(rng_.Int(0, 90)), id, std::move(drafts));
  }

  void Resolution(int e, const std::string& id, int64_t day, int64_t due, const Quality& q,
                  const Actor& owner) {
    double x = rng_.Real();
    bool abandoned = x < q.resolution_abandoned;
    bool on_time = !abandoned && x < q.resolution_abandoned + q.resolution_on_time;
    int64_t end = on_time ? day + std::max<int64_t>(2, (due - day) * rng_.Real(0.4, 1.0))
                          : due + rng_.Int(3, 30);
    int steps = rng_.Int(1, 2);
    for (int i = 1; i <= steps; ++i) {
      int64_t at = day + (end - day) * i / (steps + 1);
      uint8_t percent = static_cast<uint8_t>(abandoned ? 20 * i : 90 * i / (steps + 1));
      emit_.One(WorkTime(std::max(at, day + 1)), id, owner, [=](schema::Payload::Builder p) {
        auto r = p.initResolutionProgressed();
        r.setResolutionId(id);
        r.setNote("整改推进中 in progress");
        r.setPercent(percent);
      });
    }
    if (abandoned) return;
    emit_.One(WorkTime(std::max(end, day + 2)), id, Worker(e), [=](schema::Payload::Builder p) {
      auto r = p.initResolutionCompleted();
      r.setResolutionId(id);
      r.setNote("已完成，经业主代表验收 done, checked by resident representatives");
      r.setPercent(100);
    });
  }

  // ---- the once-only stories
  // ---------------------------------------------------------------------

  // The owners of the third estate vote out its company; the good company takes over on 1 July.
  void ChangeContract(int64_t day) {
    if (estates_.size() < 3) return;
    const int e = 2;
    Estate& estate = estates_[e];
    int old_company = estate.Company(day), new_company = kGood;
    if (old_company == new_company) return;
    int64_t last_day = Civil(options_.first_year, 6, 30), first_day = last_day + 1;
    std::string estate_id = estate.id, old_id = CompanyId(kCompanies[old_company]),
                new_id = CompanyId(kCompanies[new_company]);
    std::string old_contract = estate.terms.back().contract_id;
    std::string new_contract =
        "contract/" + estate.code + "-" + std::to_string(options_.first_year);
    std::string end_text = DayText(last_day), start_text = DayText(first_day);
    emit_.One(LocalMs(day, 10), old_contract, Street(), [=](schema::Payload::Builder p) {
      auto c = p.initServiceContractEnded();
      c.setContractId(old_contract);
      c.setEstateId(estate_id);
      c.setCompanyId(old_id);
      c.setEndDate(end_text);
      c.setReason("业主大会表决更换物业服务企业 the owners' assembly voted to change company");
    });
    emit_.One(LocalMs(day, 10, 5), new_contract, Street(), [=](schema::Payload::Builder p) {
      auto c = p.initServiceContractStarted();
      c.setContractId(new_contract);
      c.setEstateId(estate_id);
      c.setCompanyId(new_id);
      c.setStartDate(start_text);
    });
    estate.terms.push_back({new_company, first_day, new_contract});
    // The old company's people leave on the last day; the new company's start the next.
    std::vector<std::string> leaving = estate.workers.at(old_company);
    leaving.insert(leaving.begin(), estate.manager.at(old_company));
    for (size_t i = 0; i < leaving.size(); ++i) {
      std::string person = leaving[i];
      schema::AppointedRole role =
          i == 0 ? schema::AppointedRole::PROPERTY_MANAGER : schema::AppointedRole::REPAIR_WORKER;
      emit_.One(LocalMs(last_day, 17) + i * kSecond, person,
                {"person/cw-01", schema::Role::COMMUNITY_WORKER}, [=](schema::Payload::Builder p) {
                  auto r = p.initRoleEnded();
                  r.setPersonId(person);
                  r.setRole(role);
                  r.setEstateId(estate_id);
                  r.setCompanyId(old_id);
                  r.setToDate(end_text);
                  r.setReason("服务合同终止 contract ended");
                });
    }
    // The new company's people are on the register before their first day.
    Staff(e, new_company, start_text, LocalMs(day + 1, 9));
  }

  // The resident supervisor of the first estate moves away; a new one is appointed.
  void ReplaceSupervisor(int64_t day) {
    Estate& estate = estates_[0];
    std::string old = estate.supervisor, estate_id = estate.id, today = DayText(day);
    emit_.One(LocalMs(day, 10), old, Worker(0), [=](schema::Payload::Builder p) {
      auto r = p.initRoleEnded();
      r.setPersonId(old);
      r.setRole(schema::AppointedRole::RESIDENT_SUPERVISOR);
      r.setEstateId(estate_id);
      r.setToDate(today);
      r.setReason("搬离小区 moved away");
    });
    // A resident not yet on the register of persons, so that nobody is registered twice.
    const Household* h = &RandomHousehold(0);
    for (int tries = 0; tries < 50 && names_.count(h->residents.front().person_id); ++tries) {
      h = &RandomHousehold(0);
    }
    const Resident& r = h->residents.front();
    if (names_.count(r.person_id)) return;
    estate.supervisor = r.person_id;
    Person(r.person_id, r.name, h->id, true,
           {{schema::AppointedRole::RESIDENT_SUPERVISOR, {estate_id, "", "", DayText(day + 1)}}},
           LocalMs(day, 10, 30));
  }

  // A complaint phoned in and then entered again from the owners' group; voided the next morning.
  void DuplicateComplaint(int64_t day) {
    int e = static_cast<int>(rng_.Below(estates_.size()));
    Complaint(e, Clamp(LocalMs(day, 19, 40)), true);
  }

  void VoidDuplicate(int e, uint64_t seq, int64_t filed) {
    emit_.One(OfficeHours(LocalMs(DayOf(filed) + 1, 9, 30)), "correction/" + std::to_string(seq),
              Worker(e), [=](schema::Payload::Builder p) {
                auto c = p.initCorrectionRecorded();
                c.setCorrectsSeq(seq);
                c.setReason("重复登记：同一投诉已由热线受理 duplicate of a hotline complaint");
                c.getAction().setVoid();
              });
  }

  // A lighting fault entered as an electricity repair, replaced the next day with the right
  // category (and so the right time limit).
  void MiscategorisedRepair(int64_t day) {
    Repair(static_cast<int>(rng_.Below(estates_.size())), day, CategoryIndex("lighting"),
           "electricity");
  }

  // A routine visit entered against the neighbouring flat; replaced with the right household.
  void MisfiledVisit(int64_t day) {
    int e = static_cast<int>(rng_.Below(estates_.size()));
    const Estate& estate = estates_[e];
    int k = static_cast<int>(rng_.Below(estate.households));
    const Household& right = households_[estate.first_household + k];
    const Household& wrong = households_[estate.first_household + (k + 1) % estate.households];
    HomeVisit(right, day, schema::VisitReason::HOLIDAY, {}, "日常走访入户 routine visit", &wrong);
  }

  static int CategoryIndex(const std::string& id) {
    for (size_t i = 0; i < kRepairs.size(); ++i) {
      if (kRepairs[i].id == id) return static_cast<int>(i);
    }
    return 0;
  }

  // ---- the yearly publication ------------------------------------------------------------------

  Status Publish(int year, int64_t at) {
    ledger::Position head = log_->Head();
    Status failed;
    Status scanned =
        log_->Scan(views_.position().seq + 1, head.seq, [&](const ledger::RecordedEvent& e) {
          failed = views_.Apply(e);
          return failed.ok();
        });
    if (!scanned.ok()) return scanned;
    if (!failed.ok()) return failed;
    capnp::MallocMessageBuilder message;
    auto evaluation = message.initRoot<schema::StarEvaluation>();
    projections::ComputeStarEvaluation(views_, year, evaluation);
    auto ev = evaluation.asReader();

    // The figures' readable inputs make the event large; a big district has them shortened
    // (anyone can recompute them in full from computedAtSeq) so that the event fits the ledger.
    for (size_t clip : {size_t(100000), size_t(400), size_t(160), size_t(0)}) {
      auto fill = [&](schema::Payload::Builder p) {
        auto s = p.initStarRatingPublished();
        s.setYear(static_cast<uint16_t>(year));
        auto rows = ev.getRows();
        auto ratings = s.initRatings(rows.size());
        for (size_t i = 0; i < rows.size(); ++i) {
          auto row = rows[i];
          auto r = ratings[i];
          auto subject = r.initSubject();
          std::string kind = row.getSubjectKind().cStr();
          subject.setKind(kind == "propertyManager"   ? schema::SubjectKind::PROPERTY_MANAGER
                          : kind == "ownersCommittee" ? schema::SubjectKind::OWNERS_COMMITTEE
                                                      : schema::SubjectKind::COMPANY);
          subject.setId(row.getSubjectId());
          r.setScore(std::round(row.getScore() * 100) / 100);
          r.setStars(row.getStars());
          std::string list = row.getList().cStr();
          r.setList(list == "red"     ? schema::ListMark::RED
                    : list == "black" ? schema::ListMark::BLACK
                                      : schema::ListMark::NONE);
          r.setReplacementRecommended(row.getReplacementRecommended());
          auto figures = row.getFigures();
          auto out = r.initFigures(figures.size());
          for (size_t k = 0; k < figures.size(); ++k) {
            out[k].setName(figures[k].getName());
            out[k].setValue(figures[k].getValue());
            if (clip > 0) out[k].setInputs(Clip(figures[k].getInputs().cStr(), clip));
          }
        }
        s.setComputedAtSeq(ev.getPositionSeq());
        s.setComputedAtHash(ev.getPositionHash());
        s.setPolicyId(ev.getPolicyId());
        s.setPolicyVersion(ev.getPolicyVersion());
      };
      capnp::MallocMessageBuilder probe;
      fill(probe.initRoot<schema::Payload>());
      bool fits = probe.sizeInWords() * sizeof(capnp::word) < 56 * 1024;
      if (!fits && clip > 0) continue;
      std::vector<Draft> drafts;
      drafts.push_back({at, Street(), fill});
      return emit_.AppendNow(at, "rating/" + std::to_string(year), std::move(drafts));
    }
    return Status::Ok();
  }

  ledger::Ledger* log_;
  Options options_;
  Rng rng_;
  int64_t first_day_, end_day_;
  Emitter emit_;
  projections::ViewSet views_;

  int64_t setup_ms_ = 0, setup_step_ = 1000, floor_ms_ = 0;
  std::vector<std::string> community_workers_;
  std::map<std::string, std::string> names_;
  std::vector<Estate> estates_;
  std::vector<Household> households_;
  std::map<std::string, Volunteer> volunteers_;
  // (household index, resident index) by birthday month and day.
  std::array<std::array<std::vector<std::pair<int, int>>, 32>, 13> birthdays_;
  std::map<std::string, uint64_t> ids_;
  std::map<std::string, std::vector<std::string>> agenda_;  // escalated complaints by meeting
  std::map<int, std::vector<Recent>> recent_complaints_, recent_repairs_;
  bool overdrawn_ = false, late_visit_ = false;
};

}  // namespace

ledger::Result<Summary> Simulate(ledger::Ledger* log, SimulatedClock* clock,
                                 const Options& options) {
  if (!log || !clock) return Status::InvalidArgument("simulate needs a ledger and a clock");
  if (options.estates < 4 || options.estates > 500) {
    return Status::InvalidArgument(
        "estates must be 4 to 500 (so that every kind of company serves "
        "one); got " +
        std::to_string(options.estates));
  }
  if (options.households_per_estate < 24 || options.households_per_estate > 100000) {
    return Status::InvalidArgument("households_per_estate must be 24 to 100000; got " +
                                   std::to_string(options.households_per_estate));
  }
  if (options.years < 1 || options.years > 10 || options.first_year < 2000 ||
      options.first_year > 2100) {
    return Status::InvalidArgument("years must be 1 to 10 from a first_year in 2000..2100");
  }
  if (log->Head().seq != 0) {
    return Status::InvalidArgument(
        "simulate appends a whole district to an empty ledger; this one "
        "holds " +
        std::to_string(log->Head().seq) + " events");
  }
  District district(log, clock, options);
  return district.Run();
}

}  // namespace simulate
