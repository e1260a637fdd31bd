#include "core/interrupt.hpp"

#include <atomic>
#include <csignal>

namespace expt {
namespace {

std::atomic<bool> g_requested{false};

extern "C" void on_signal(int sig) {
  if (g_requested.exchange(true)) {
    std::signal(sig, SIG_DFL);  // the second Ctrl-C: the user really wants out
    std::raise(sig);
  }
}

}  // namespace

void install_interrupt_handler() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool interrupt_requested() { return g_requested.load(std::memory_order_relaxed); }

}  // namespace expt
