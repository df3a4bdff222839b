package bosh

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"time"
)

// TaskEvent is one line of a director task's event output, as the task
// runs: a stage step starting, finishing or failing, or (with Error set and
// no Stage) the task's own error.
type TaskEvent struct {
	TaskID   int
	Time     time.Time
	Stage    string
	Task     string // the step, e.g. "Checking VM states"
	Index    int    // 1-based step within the stage
	Total    int
	State    string // started, in_progress, finished, failed
	Progress int
	Error    string // the step's error (state failed) or the task's
}

// eventLine is the wire form of an event line (reference §3.3).
type eventLine struct {
	Time     int64  `json:"time"`
	Stage    string `json:"stage"`
	Task     string `json:"task"`
	Index    int    `json:"index"`
	Total    *int   `json:"total"`
	State    string `json:"state"`
	Progress int    `json:"progress"`
	Data     struct {
		Error string `json:"error"`
	} `json:"data"`
	Err *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Type    string `json:"type"`
	Message string `json:"message"`
}

// eventReporter is a director.TaskReporter that turns event output into
// TaskEvents as it arrives. A partial line waits for the rest of it.
type eventReporter struct {
	mu      sync.Mutex
	taskID  int
	partial []byte
	events  []TaskEvent
	emit    func(TaskEvent) // may be nil
}

func newEventReporter(emit func(TaskEvent)) *eventReporter { return &eventReporter{emit: emit} }

func (r *eventReporter) TaskStarted(id int) {
	r.mu.Lock()
	r.taskID = id
	r.mu.Unlock()
}

func (r *eventReporter) TaskFinished(int, string) {}

func (r *eventReporter) TaskOutputChunk(id int, chunk []byte) {
	r.mu.Lock()
	r.partial = append(r.partial, chunk...)
	var lines [][]byte
	for {
		i := bytes.IndexByte(r.partial, '\n')
		if i < 0 {
			break
		}
		lines = append(lines, append([]byte(nil), r.partial[:i]...))
		r.partial = r.partial[i+1:]
	}
	var out []TaskEvent
	for _, l := range lines {
		if ev, ok := parseEventLine(id, l); ok {
			r.events = append(r.events, ev)
			out = append(out, ev)
		}
	}
	emit := r.emit
	r.mu.Unlock()
	if emit != nil {
		for _, ev := range out {
			emit(ev)
		}
	}
}

// id is the task the reporter has seen start, 0 before.
func (r *eventReporter) id() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.taskID
}

// all returns the events seen so far.
func (r *eventReporter) all() []TaskEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]TaskEvent(nil), r.events...)
}

// parseEventLine reads one event line; lines that are not JSON objects
// (or are warnings) are skipped.
func parseEventLine(taskID int, line []byte) (TaskEvent, bool) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return TaskEvent{}, false
	}
	var l eventLine
	if err := json.Unmarshal(line, &l); err != nil {
		return TaskEvent{}, false
	}
	ev := TaskEvent{TaskID: taskID, Time: time.Unix(l.Time, 0), Stage: l.Stage, Task: l.Task, Index: l.Index,
		State: l.State, Progress: l.Progress, Error: l.Data.Error}
	if l.Total != nil {
		ev.Total = *l.Total
	}
	switch {
	case l.Err != nil:
		ev.State, ev.Error = "error", strings.TrimSpace(l.Err.Message)
	case l.Type != "":
		return TaskEvent{}, false
	case l.Stage == "" && l.Task == "":
		return TaskEvent{}, false
	}
	return ev, true
}

// EventStream turns a task's event output, fed in chunks as they arrive,
// into TaskEvents; a partial line waits for the rest of it.
type EventStream struct {
	r    *eventReporter
	done []TaskEvent
}

// NewEventStream reads the event output of task id.
func NewEventStream(id int) *EventStream {
	s := &EventStream{}
	s.r = newEventReporter(func(ev TaskEvent) { s.done = append(s.done, ev) })
	s.r.TaskStarted(id)
	return s
}

// Feed takes the next chunk and returns the events it completed. It is
// not safe for concurrent use.
func (s *EventStream) Feed(chunk []byte) []TaskEvent {
	s.done = nil
	s.r.TaskOutputChunk(s.r.id(), chunk)
	s.r.mu.Lock()
	s.r.events = nil // the stream's caller keeps what it needs
	s.r.mu.Unlock()
	return s.done
}
