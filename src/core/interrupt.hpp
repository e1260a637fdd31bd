#pragma once
// Ctrl-C handling: the first SIGINT/SIGTERM asks long work to stop at the next safe point
// (after the current training step) so outputs are written; a second one kills at once.
namespace expt {

void install_interrupt_handler();
bool interrupt_requested();

}  // namespace expt
