package sim

import (
	"fmt"
	"strconv"
	"time"
)

// The PKS broker's upgrade of the largest cluster is under way when the
// foundation starts: a processing "create deployment" task holding the
// cluster's deployment lock, updating one instance every bgInstanceTime.
// It runs outside the worker pool (a director worker that was already
// busy) and can be cancelled like any task.
const bgInstanceTime = 100 * time.Second

type backgroundDeploy struct {
	t          *task
	d          *deployment
	steps      []deployStep
	next       int           // first step not yet finished
	inProgress bool          // step next had started before start-up
	parent     *pendingEvent // the opening deployment event
	current    *pendingEvent // opening event of the step in progress
	parentID   int
	stepID     int
	lock       *lockSpec
}

// backgroundDeploy records the part of the upgrade that happened before
// start-up: the steps already done and the one in progress.
func (hb *historyBuilder) backgroundDeploy(d *deployment, start time.Time, user string) *backgroundDeploy {
	now := hb.f.content.epoch
	t := hb.task(start, "create deployment", "update_deployment", user, d)
	t.State, t.StartedAt, t.stamp = stateProcessing, start, start
	bg := &backgroundDeploy{t: t, d: d, lock: &lockSpec{name: "lock:deployment:" + d.Name, deployment: d.Name}}
	bg.steps = planDeploy(d, start.Add(time.Second), func(*instance) time.Duration { return bgInstanceTime })
	hb.event(event{Time: start, Action: "acquire", ObjectType: "lock", ObjectName: bg.lock.name, Deployment: d.Name}, t, nil)
	bg.parent = hb.event(event{Time: start, Action: "update", ObjectType: "deployment", ObjectName: d.Name, Deployment: d.Name}, t, nil)
	var e eventWriter
	for i, s := range bg.steps {
		if s.start.After(now) {
			break
		}
		bg.next = i
		e.line(s.startedLine())
		var first *pendingEvent
		if s.inst != nil {
			first = hb.event(instanceEvent(s.inst, s.start, "recreate", instanceChangeContext(s.inst)), t, bg.parent)
		}
		if s.end.After(now) {
			bg.current, bg.inProgress = first, true
			break
		}
		e.line(s.finishedLine(s.end))
		if s.inst != nil {
			hb.event(instanceEvent(s.inst, s.end, "recreate", nil), t, first)
		}
		bg.next = i + 1
	}
	t.event = e.out
	return bg
}

// install takes the deployment lock for the task once ids are known.
// Call with f.mu held, after commit.
func (bg *backgroundDeploy) install(f *Foundation) {
	f.locks[bg.lock.name] = &lockRecord{name: bg.lock.name, uid: newRNG(int64(bg.t.ID), bg.lock.name).uuid(),
		taskID: bg.t.ID, acquired: bg.t.StartedAt}
	bg.parentID = bg.parent.id
	if bg.current != nil {
		bg.stepID = bg.current.id
	}
}

func (f *Foundation) startBackgroundDeploy() {
	f.wg.Add(1)
	go f.runBackgroundDeploy(f.bg)
}

// runBackgroundDeploy carries the upgrade on in real time until it is
// done, cancelled, or the foundation closes.
func (f *Foundation) runBackgroundDeploy(bg *backgroundDeploy) {
	defer f.wg.Done()
	x := &taskRun{f: f, t: bg.t}
	taskID := strconv.Itoa(bg.t.ID)
	for i := bg.next; i < len(bg.steps); i++ {
		s := bg.steps[i]
		if i != bg.next || !bg.inProgress {
			f.mu.Lock()
			bg.t.event = appendLine(bg.t.event, s.startedLine())
			if s.inst != nil {
				e := instanceEvent(s.inst, s.start, "recreate", instanceChangeContext(s.inst))
				e.User, e.Task, e.ParentID = bg.t.User, taskID, bg.parentID
				bg.stepID = f.addEventLocked(e)
			}
			f.mu.Unlock()
		}
		if err := x.wait(time.Until(s.end)); err != nil {
			f.endBackgroundDeploy(bg, err)
			return
		}
		f.mu.Lock()
		bg.t.event = appendLine(bg.t.event, s.finishedLine(time.Now()))
		if s.inst != nil {
			e := instanceEvent(s.inst, time.Now(), "recreate", nil)
			e.User, e.Task, e.ParentID = bg.t.User, taskID, bg.stepID
			f.addEventLocked(e)
		}
		bg.stepID = 0
		f.mu.Unlock()
	}
	f.endBackgroundDeploy(bg, nil)
}

// endBackgroundDeploy closes the upgrade: the closing deployment event,
// the lock release and the task's end state. On foundation close it
// leaves the task as it is.
func (f *Foundation) endBackgroundDeploy(bg *backgroundDeploy, err error) {
	if err == errClosing {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	e := event{Time: now, User: bg.t.User, Action: "update", ObjectType: "deployment", ObjectName: bg.d.Name,
		Task: strconv.Itoa(bg.t.ID), Deployment: bg.d.Name, ParentID: bg.parentID}
	if err == nil {
		e.Context = deployContext(bg.d, bg.d, olderVersionsOf(bg.d))
	} else {
		e.Error = fmt.Sprintf("Task %d cancelled", bg.t.ID)
	}
	f.addEventLocked(e)
	f.releaseLockLocked(bg.lock, bg.t, now)
	if err == nil {
		f.finishLocked(bg.t, stateDone, "/deployments/"+bg.d.Name, nil)
		return
	}
	f.finishLocked(bg.t, stateCancelled, "task cancelled", &errorBody{Code: 10001, Message: fmt.Sprintf("Task %d cancelled", bg.t.ID)})
}

func appendLine(buf []byte, v any) []byte {
	var e eventWriter
	e.line(v)
	return append(buf, e.out...)
}
