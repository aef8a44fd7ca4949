// Compiles under -Wthread-safety -Werror: every guarded access holds its lock.
#include "base/mutex.h"

class Counter {
 public:
  void Add() EXCLUDES(mu_) {
    base::MutexLock lock(&mu_);
    AddLocked();
    cv_.SignalAll();
  }
  int WaitForOne() EXCLUDES(mu_) {
    base::MutexLock lock(&mu_);
    while (value_ == 0) cv_.Wait(&mu_);
    return value_;
  }
  int Read() const EXCLUDES(table_mu_) {
    base::ReaderLock lock(&table_mu_);
    return table_;
  }

 private:
  void AddLocked() REQUIRES(mu_) { ++value_; }

  base::Mutex mu_;
  base::CondVar cv_;
  int value_ GUARDED_BY(mu_) = 0;
  mutable base::SharedMutex table_mu_;
  int table_ GUARDED_BY(table_mu_) = 0;
};

int main() {
  Counter c;
  c.Add();
  return c.WaitForOne() + c.Read() == 1 ? 0 : 1;
}
