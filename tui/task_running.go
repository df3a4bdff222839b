package tui

import "fmt"

// The screens whose action is one director task (cloud-check resolutions,
// restart/recreate/stop/start) are runners too (interrupt.go): q, ctrl+c
// and esc while the task runs ask first. The task is one step: finishing
// it and stopping means waiting for the director to end it (q then quits),
// and leaving does not stop it either.

// Running says which task runs, "" when none does.
func (s *cckScreen) Running() string {
	if s.phase != cckApplying {
		return ""
	}
	return fmt.Sprintf("cloud-check resolutions on %s: the director's task runs; it goes on if bosun stops following it", s.dep)
}

// StopAfterStep: the resolution task is one step; there is nothing after it.
func (s *cckScreen) StopAfterStep() {}

// Running says which task runs, "" when none does.
func (s *lifecycleScreen) Running() string {
	if s.phase != lcRunning {
		return ""
	}
	what := fmt.Sprintf("%s of %s", s.action, s.scopes[s.scope].label)
	if s.taskID != 0 {
		what += fmt.Sprintf(", task %d", s.taskID)
	}
	return what + ": the director's task runs; it goes on if bosun stops following it (X cancels it)"
}

// StopAfterStep: the director's task is one step; there is nothing after it.
func (s *lifecycleScreen) StopAfterStep() {}
