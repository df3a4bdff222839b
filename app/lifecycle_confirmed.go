package app

import (
	"context"

	"bosun/bosh"
	"bosun/cache"
)

// PlanLifecycle is Session.PlanLifecycle for a caller that shows the plan
// itself: the lines of the confirmation and the instances in order.
func (c *Confirmed) PlanLifecycle(ctx context.Context, r bosh.LifecycleRequest) ([]string, []bosh.LifecycleBatch, error) {
	lp, err := c.s.PlanLifecycle(ctx, r)
	return lp.Plan.Steps, lp.Batches, err
}

// ChangeState applies the confirmed state change on batches (as planned
// and shown) through the gate, and says what became of it: the task, the
// outcome and, when interrupted, how to stop the task that goes on.
func (c *Confirmed) ChangeState(ctx context.Context, r bosh.LifecycleRequest, batches []bosh.LifecycleBatch,
	progress func(bosh.TaskEvent)) (int, cache.Outcome, string, error) {
	res, err := c.s.ChangeState(ctx, NewLifecyclePlan(r, batches, ""), Yes, progress, nil)
	return res.TaskID, res.Outcome, res.Detail, err
}
