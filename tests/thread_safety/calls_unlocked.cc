// Must not compile: a function that requires the lock, called without it.
#include "base/mutex.h"

class Counter {
 public:
  void Add() { AddLocked(); }

 private:
  void AddLocked() REQUIRES(mu_) { ++value_; }
  base::Mutex mu_;
  int value_ GUARDED_BY(mu_) = 0;
};

int main() { Counter().Add(); }
