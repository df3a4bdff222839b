package app

import (
	"context"

	"bosun/bosh"
	"bosun/cache"
)

// Confirmed is the session's actions for a caller that has shown the plan
// and had it confirmed itself (the TUI's confirmation screens). They still
// pass the gate: refused under --read-only and --offline, and recorded.
type Confirmed struct{ s *Session }

// Confirmed is s with confirmation already given.
func (s *Session) Confirmed() *Confirmed { return &Confirmed{s: s} }

// ScanProblems is Session.ScanProblems.
func (c *Confirmed) ScanProblems(ctx context.Context, dep string, progress func(bosh.TaskEvent)) ([]bosh.Problem, cache.CCKRecord, error) {
	return c.s.ScanProblems(ctx, dep, progress)
}

// ApplyResolutions applies the confirmed answers through the gate.
func (c *Confirmed) ApplyResolutions(ctx context.Context, dep string, probs []bosh.Problem, answers []bosh.Answer, progress func(bosh.TaskEvent)) (bosh.ResolveOutcome, error) {
	out, _, err := c.s.ApplyResolutions(ctx, dep, probs, answers, Yes, progress)
	return out, err
}
