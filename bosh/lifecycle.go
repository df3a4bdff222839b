package bosh

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	boshdir "github.com/cloudfoundry/bosh-cli/v7/director"
)

// Instance state changes: bosh start|stop|restart|recreate (reference
// §13), driven through the director package as the bosh CLI v7.5.6 does.

// Lifecycle actions.
const (
	ActionRestart  = "restart"
	ActionRecreate = "recreate"
	ActionStop     = "stop"
	ActionStart    = "start"
)

// LifecycleActions are the actions, in the order menus show them.
var LifecycleActions = []string{ActionRestart, ActionRecreate, ActionStop, ActionStart}

// LifecycleRequest is one state change: the bosh CLI's command and flags.
type LifecycleRequest struct {
	Action      string
	Deployment  string
	Group       string // "" for the whole deployment
	IndexOrID   string // "" for the whole group
	SkipDrain   bool   // restart, recreate, stop
	Fix         bool   // recreate: recreate unresponsive agents instead of failing
	Hard        bool   // stop: delete the VM, keep the disks (state detached)
	DryRun      bool   // recreate: render templates, change nothing
	NoConverge  bool   // act on the one instance only (no deploy)
	Canaries    string // "" keeps the manifest's
	MaxInFlight string // "" keeps the manifest's
}

var countRe = regexp.MustCompile(`^(\d+%|[-+]?\d+)$`)

// Check refuses what the bosh CLI refuses before asking the director.
func (r LifecycleRequest) Check() error {
	bad := func(format string, args ...any) error {
		return &Error{Kind: KindConfig, Op: r.Action, Description: fmt.Sprintf(format, args...)}
	}
	switch r.Action {
	case ActionRestart, ActionRecreate, ActionStop, ActionStart:
	default:
		return bad("unknown action %q (want restart, recreate, stop or start)", r.Action)
	}
	switch {
	case r.Deployment == "":
		return bad("%s needs a deployment", r.Action)
	case r.Group == "" && r.IndexOrID != "":
		return bad("an instance needs its group: GROUP/ID")
	case strings.Contains(r.Group, "/") || strings.Contains(r.IndexOrID, "/"):
		return bad("want GROUP or GROUP/ID-or-INDEX, not %s/%s", r.Group, r.IndexOrID)
	case r.Fix && r.Action != ActionRecreate:
		return bad("--fix is for recreate")
	case r.DryRun && r.Action != ActionRecreate:
		return bad("--dry-run is for recreate")
	case r.Hard && r.Action != ActionStop:
		return bad("--hard is for stop")
	case r.SkipDrain && r.Action == ActionStart:
		return bad("start has no --skip-drain")
	case r.Canaries != "" && !countRe.MatchString(r.Canaries):
		return bad("--canaries %q: want a number or a percentage", r.Canaries)
	case r.MaxInFlight != "" && !countRe.MatchString(r.MaxInFlight):
		return bad("--max-in-flight %q: want a number or a percentage", r.MaxInFlight)
	}
	if r.NoConverge {
		switch {
		case r.Canaries != "":
			return bad("Can't set canaries and no-converge")
		case r.MaxInFlight != "":
			return bad("Can't set max-in-flight and no-converge")
		case r.DryRun:
			return bad("Can't set dry-run and no-converge")
		case r.IndexOrID == "":
			return bad("You are trying to run %s with --no-converge on an entire instance group. This operation is not allowed. "+
				"Try the default (converge) or name a specific instance.", r.Action)
		}
	}
	return nil
}

// Slug is what the request names: "", "group" or "group/id".
func (r LifecycleRequest) Slug() string {
	return boshdir.NewAllOrInstanceGroupOrInstanceSlug(r.Group, r.IndexOrID).String()
}

// Command is the equivalent bosh CLI command line.
func (r LifecycleRequest) Command() string {
	parts := []string{"bosh", "-d", r.Deployment, r.Action}
	if s := r.Slug(); s != "" {
		parts = append(parts, s)
	}
	flag := func(on bool, name string) {
		if on {
			parts = append(parts, name)
		}
	}
	flag(r.SkipDrain, "--skip-drain")
	flag(r.Fix, "--fix")
	flag(r.Hard, "--hard")
	flag(r.DryRun, "--dry-run")
	flag(r.NoConverge, "--no-converge")
	if r.Canaries != "" {
		parts = append(parts, "--canaries", r.Canaries)
	}
	if r.MaxInFlight != "" {
		parts = append(parts, "--max-in-flight", r.MaxInFlight)
	}
	return strings.Join(parts, " ")
}

// ChangeState runs the request's director task (taking the deployment
// lock) and waits for it, streaming its events to progress and calling
// started with the task id as soon as the director has given it (either
// may be nil). A deployment locked by another task is refused before
// anything is asked, with a *LockError naming the holder. When ctx ends
// the director's task goes on: the error is then KindCanceled with the
// task id.
func (c *Client) ChangeState(ctx context.Context, r LifecycleRequest, progress func(TaskEvent), started func(int)) (int, error) {
	op := r.Action + " " + strings.TrimSuffix(r.Deployment+"/"+r.Slug(), "/")
	if err := r.Check(); err != nil {
		return 0, err
	}
	s, err := c.session(ctx, op)
	if err != nil {
		return 0, err
	}
	if err := c.checkLock(ctx, s, op, r.Deployment); err != nil {
		return 0, err
	}
	rep := &startReporter{eventReporter: newEventReporter(progress), started: started}
	client := boshdir.NewClient(s.wire.endpoint, s.wire.httpClient(ctx), rep, boshdir.NewNoopFileReporter(), s.wire.logger)
	_, err = await(ctx, func() (struct{}, error) { return struct{}{}, changeState(client, r) })
	id := rep.id()
	if err == nil {
		return id, nil
	}
	if ctx.Err() != nil {
		e := classify(op, c.target.URL, ctx.Err()).(*Error)
		e.TaskID = id
		return id, e
	}
	e := c.taskError(ctx, s, op, rep.eventReporter, err)
	if e.Kind == KindTaskFailed && strings.Contains(e.Description, "Failed to acquire lock") {
		if lerr := c.checkLock(ctx, s, op, r.Deployment); lerr != nil {
			return id, lerr
		}
	}
	return id, e
}

// changeState is what director.DeploymentImpl's Start, Stop, Restart and
// Recreate do with the options the bosh CLI's commands build (cmd/start.go
// and its siblings): the converging PUT, or the non-converging POST on one
// instance. The bosh CLI never sets Force.
func changeState(client boshdir.Client, r LifecycleRequest) error {
	name, id := r.Group, r.IndexOrID
	if !r.NoConverge {
		state := map[string]string{ActionStart: "started", ActionStop: "stopped", ActionRestart: "restart", ActionRecreate: "recreate"}[r.Action]
		if r.Action == ActionStop && r.Hard {
			state = "detached"
		}
		skipDrain := r.SkipDrain && r.Action != ActionStart
		return client.ChangeJobState(state, r.Deployment, name, id, skipDrain, false,
			r.Fix && r.Action == ActionRecreate, r.DryRun && r.Action == ActionRecreate, r.Canaries, r.MaxInFlight)
	}
	switch r.Action {
	case ActionStart:
		return client.NonConvergingJobAction("start", r.Deployment, name, id, false, false, false)
	case ActionStop:
		return client.NonConvergingJobAction("stop", r.Deployment, name, id, r.SkipDrain, r.Hard, false)
	case ActionRestart:
		return client.NonConvergingJobAction("restart", r.Deployment, name, id, r.SkipDrain, false, false)
	}
	return client.NonConvergingJobAction("recreate", r.Deployment, name, id, r.SkipDrain, false, r.Fix)
}

// startReporter passes task events on and says when the task has started.
type startReporter struct {
	*eventReporter
	started func(int)
}

func (r *startReporter) TaskStarted(id int) {
	r.eventReporter.TaskStarted(id)
	if r.started != nil {
		r.started(id)
	}
}

// CheckDeploymentLock refuses, before anything is asked of the operator,
// a deployment whose lock another task holds: the error wraps a
// *LockError naming the holder. nil when the deployment is free.
func (c *Client) CheckDeploymentLock(ctx context.Context, dep string) error {
	op := "check the lock of " + dep
	s, err := c.session(ctx, op)
	if err != nil {
		return err
	}
	return c.checkLock(ctx, s, op, dep)
}

// TaskEndState is the state a failed task ended in (error, cancelled,
// timeout) when err is a KindTaskFailed *Error, else "".
func TaskEndState(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind == KindTaskFailed {
		return e.state
	}
	return ""
}
