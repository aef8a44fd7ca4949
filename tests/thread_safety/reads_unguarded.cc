// Must not compile: a guarded field read without its lock.
#include "base/mutex.h"

class Counter {
 public:
  int Get() const { return value_; }

 private:
  mutable base::Mutex mu_;
  int value_ GUARDED_BY(mu_) = 0;
};

int main() { return Counter().Get(); }
