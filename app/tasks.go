package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"bosun/bosh"
	"bosun/cache"
)

// Tasks, locks and the director's activity trail: reads straight from the
// director (none of them makes a director task), and cancelling a task
// through the gate.

// needDirector refuses a read that only the director can answer.
func (s *Session) needDirector(what string) error {
	if s.Client == nil {
		return &RefusedError{"--offline: " + what + " needs the director"}
	}
	return nil
}

// Tasks lists the running tasks, or the f.Recent newest ones.
func (s *Session) Tasks(ctx context.Context, f bosh.TasksFilter) ([]bosh.Task, error) {
	if err := s.needDirector("listing tasks"); err != nil {
		return nil, err
	}
	return s.Client.Tasks(ctx, f)
}

// RunningTasks counts the tasks running on the director, of every type:
// the cheap listing the TUI's header shows.
func (s *Session) RunningTasks(ctx context.Context) ([]bosh.Task, error) {
	return s.Tasks(ctx, bosh.TasksFilter{All: true})
}

// Task reads one task; an unknown id is an *UnknownError.
func (s *Session) Task(ctx context.Context, id int) (bosh.Task, error) {
	if err := s.needDirector("reading a task"); err != nil {
		return bosh.Task{}, err
	}
	t, err := s.Client.Task(ctx, id)
	if bosh.KindOf(err) == bosh.KindNotFound {
		return t, &UnknownError{fmt.Sprintf("no task %d on the director", id)}
	}
	return t, err
}

// FollowTask reads output typ of task id and follows it while the task
// runs (bosh.FollowTask); an unknown id is an *UnknownError.
func (s *Session) FollowTask(ctx context.Context, id int, typ string, onChunk func([]byte), o bosh.FollowOptions) (bosh.Task, error) {
	if err := s.needDirector("following a task"); err != nil {
		return bosh.Task{}, err
	}
	t, err := s.Client.FollowTask(ctx, id, typ, onChunk, o)
	if bosh.KindOf(err) == bosh.KindNotFound && t.ID == 0 {
		return t, &UnknownError{fmt.Sprintf("no task %d on the director", id)}
	}
	return t, err
}

// CancelTaskPlan is the plan of cancelling t.
func CancelTaskPlan(t bosh.Task) Plan {
	target := fmt.Sprintf("task %d", t.ID)
	step := fmt.Sprintf("cancel task %d (%s", t.ID, t.State)
	if t.Description != "" {
		step += ", " + t.Description
	}
	if t.User != "" {
		step += ", by " + t.User
	}
	step += "): the director stops it at its next checkpoint"
	return Plan{Kind: Change, Action: "cancel-task", Deployment: t.Deployment, Targets: []string{target},
		Steps: []string{step}, Command: "bosh cancel-task " + strconv.Itoa(t.ID)}
}

// StopTask cancels task id through the gate: refused under --read-only
// and --offline, the plan confirmed, the outcome recorded in the history.
// The task is read first, so an unknown id is an *UnknownError and a task
// that already ended is refused with the director's own message.
func (s *Session) StopTask(ctx context.Context, id int, confirm Confirm) (bosh.Task, error) {
	plan := CancelTaskPlan(bosh.Task{ID: id})
	if err := s.Check(plan); err != nil {
		return bosh.Task{}, err
	}
	t, err := s.Task(ctx, id)
	if err != nil {
		return t, err
	}
	plan = CancelTaskPlan(t)
	if t.State != bosh.TaskQueued && t.State != bosh.TaskProcessing {
		// Nothing to confirm: the director refuses, in its own words.
		if err := s.Client.CancelTask(ctx, id); err != nil {
			if bosh.KindOf(err) != bosh.KindDirector {
				return t, err
			}
			why := DirectorMessage(err)
			s.recordFinal(plan, cache.OutcomeRefused, nil, why)
			return t, &RefusedError{why}
		}
		return s.Task(ctx, id)
	}
	_, err = s.Apply(ctx, plan, confirm, func(ctx context.Context, pr *Progress) (Result, error) {
		pr.Task(int64(id))
		err := s.Client.CancelTask(ctx, id)
		res := Result{TaskIDs: []int64{int64(id)}}
		o := cache.OutcomeApplied
		if err != nil {
			o = cache.OutcomeFailed
		}
		res.Targets = []cache.ActionTarget{{Name: plan.Targets[0], Outcome: o}}
		return res, err
	})
	if err == nil {
		if now, rerr := s.Client.Task(ctx, id); rerr == nil {
			t = now
		}
	}
	return t, err
}

// DirectorMessage is the director's own words in a failed call, e.g.
// "Cannot cancel task 7: invalid state (done)".
func DirectorMessage(err error) string {
	var e *bosh.Error
	if errors.As(err, &e) && e.Description != "" {
		return e.Description
	}
	return strings.TrimSpace(err.Error())
}

// Locks lists the director's locks.
func (s *Session) Locks(ctx context.Context) ([]bosh.Lock, error) {
	if err := s.needDirector("listing locks"); err != nil {
		return nil, err
	}
	return s.Client.Locks(ctx)
}

// Activity reads the director's activity trail, newest first, page by
// page (before_id) until limit events are read or the trail ends.
// limit <= 0 reads one page.
func (s *Session) Activity(ctx context.Context, f bosh.EventsFilter, limit int) ([]bosh.Event, error) {
	if err := s.needDirector("the director's activity trail"); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = bosh.EventsPage
	}
	var out []bosh.Event
	for len(out) < limit {
		page, err := s.Client.Events(ctx, f)
		if err != nil {
			return out, err
		}
		out = append(out, page...)
		if len(page) < bosh.EventsPage {
			break
		}
		f.BeforeID = page[len(page)-1].ID
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Tasks is Session.Tasks, for the TUI.
func (c *Confirmed) Tasks(ctx context.Context, f bosh.TasksFilter) ([]bosh.Task, error) {
	return c.s.Tasks(ctx, f)
}

// FollowTask is Session.FollowTask, for the TUI.
func (c *Confirmed) FollowTask(ctx context.Context, id int, typ string, onChunk func([]byte), o bosh.FollowOptions) (bosh.Task, error) {
	return c.s.FollowTask(ctx, id, typ, onChunk, o)
}

// StopTask cancels a task whose plan the TUI has shown and had
// confirmed, through the gate.
func (c *Confirmed) StopTask(ctx context.Context, id int) (bosh.Task, error) {
	return c.s.StopTask(ctx, id, Yes)
}
