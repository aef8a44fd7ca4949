// Must not compile: a write to a field under a shared (reader) lock.
#include "base/mutex.h"

class Table {
 public:
  void Set(int v) {
    base::ReaderLock lock(&mu_);
    value_ = v;
  }

 private:
  base::SharedMutex mu_;
  int value_ GUARDED_BY(mu_) = 0;
};

int main() { Table().Set(1); }
