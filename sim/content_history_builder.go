package sim

import (
	"sort"
	"strconv"
	"time"
)

// historyBuilder collects the seeded past -- tasks and audit events -- in
// any order, then numbers them in time order, as the director's database
// would have, and installs them in the foundation.
type historyBuilder struct {
	f      *Foundation
	r      *rng
	tasks  []*task
	events []*pendingEvent
}

// pendingEvent is an audit event whose id, parent id and task id are
// filled in at commit.
type pendingEvent struct {
	e      event
	parent *pendingEvent
	task   *task
	id     int
}

// firstTaskID makes task ids look like a director that has been running
// for a while.
const firstTaskID = 2000

// task records a past task created at created; finish it with done/failed.
func (hb *historyBuilder) task(created time.Time, desc, typ, user string, d *deployment) *task {
	t := &task{State: stateQueued, Description: desc, Type: typ, User: user, stamp: created, cancelReq: make(chan struct{})}
	if d != nil {
		t.Deployment, t.Teams = d.Name, d.Teams
	}
	hb.tasks = append(hb.tasks, t)
	return t
}

// finish ends a past task.
func (hb *historyBuilder) finish(t *task, started, finished time.Time, state, result string) {
	t.State, t.StartedAt, t.stamp, t.Result = state, started, finished, ptr(truncateResult(result))
}

// event records a past audit event of task t (nil for none).
func (hb *historyBuilder) event(e event, t *task, parent *pendingEvent) *pendingEvent {
	if t != nil && e.User == "" {
		e.User = t.User
	}
	p := &pendingEvent{e: e, parent: parent, task: t}
	hb.events = append(hb.events, p)
	return p
}

// lockEvents records the acquire and release events of a deployment lock.
func (hb *historyBuilder) lockEvents(t *task, d *deployment, acquired, released time.Time) {
	name := "lock:deployment:" + d.Name
	hb.event(event{Time: acquired, Action: "acquire", ObjectType: "lock", ObjectName: name, Deployment: d.Name}, t, nil)
	if !released.IsZero() {
		hb.event(event{Time: released, Action: "release", ObjectType: "lock", ObjectName: name, Deployment: d.Name}, t, nil)
	}
}

// commit numbers tasks and events in time order and installs them.
func (hb *historyBuilder) commit() {
	f := hb.f
	sort.SliceStable(hb.tasks, func(i, j int) bool { return created(hb.tasks[i]).Before(created(hb.tasks[j])) })
	f.nextTaskID = firstTaskID
	for _, t := range hb.tasks {
		f.nextTaskID++
		t.ID = f.nextTaskID
		f.tasks = append(f.tasks, t)
		f.byID[t.ID] = t
		if !t.StartedAt.IsZero() {
			t.debug = []byte(debugLine(t.StartedAt, t.ID, "INFO", "DirectorJobRunner", "Starting task: "+strconv.Itoa(t.ID)))
		}
		if !t.running() {
			t.debug = append(t.debug, debugLine(t.stamp, t.ID, "INFO", "DirectorJobRunner",
				"Task took "+durationText(t.stamp.Sub(t.StartedAt), t.StartedAt.IsZero())+" to process.")...)
		}
	}
	sort.SliceStable(hb.events, func(i, j int) bool { return hb.events[i].e.Time.Before(hb.events[j].e.Time) })
	for _, p := range hb.events {
		if p.task != nil {
			p.e.Task = strconv.Itoa(p.task.ID)
		}
		if p.parent != nil {
			p.e.ParentID = p.parent.id
		}
		p.id = f.addEventLocked(p.e)
	}
}

// created is when a task was queued: the start for past tasks, which
// waited no time in the queue.
func created(t *task) time.Time {
	if !t.StartedAt.IsZero() {
		return t.StartedAt
	}
	return t.stamp
}
