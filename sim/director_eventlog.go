package sim

import (
	"fmt"
	"os"
	"time"
)

// Event log lines, in the director's key order (event_log.rb). Each line
// is written as complete JSON followed by "\n".

type stageLine struct {
	Time     int64             `json:"time"`
	Stage    string            `json:"stage"`
	Tags     []string          `json:"tags"`
	Total    *int              `json:"total"`
	Task     string            `json:"task"`
	Index    int               `json:"index"`
	State    string            `json:"state"`
	Progress int               `json:"progress"`
	Data     map[string]string `json:"data,omitempty"`
}

type errorLine struct {
	Time  int64     `json:"time"`
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// eventWriter appends event lines to a buffer. It is used both for live
// tasks (through taskRun) and for the event logs of seeded tasks.
type eventWriter struct {
	out []byte
}

func (e *eventWriter) line(v any) {
	b, err := marshalJSON(v)
	if err != nil {
		return
	}
	e.out = append(append(e.out, b...), '\n')
}

// stageTask writes the started and finished lines of one stage task.
func (e *eventWriter) stageTask(at time.Time, dur time.Duration, stage string, tags []string, total, index int, name string) {
	e.line(stageLine{Time: at.Unix(), Stage: stage, Tags: nonNil(tags), Total: ptr(total), Task: name, Index: index, State: "started"})
	e.line(stageLine{Time: at.Add(dur).Unix(), Stage: stage, Tags: nonNil(tags), Total: ptr(total), Task: name, Index: index, State: "finished", Progress: 100})
}

func (e *eventWriter) taskError(at time.Time, code int, msg string) {
	e.line(errorLine{Time: at.Unix(), Error: errorBody{Code: code, Message: msg}})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// debugLine formats a line of the task's debug log the way the director's
// task logger does.
func debugLine(at time.Time, taskID int, level, component, msg string) string {
	return fmt.Sprintf("%s, [%s #%d] [task:%d] %5s -- %s: %s\n",
		level[:1], at.Format("2006-01-02T15:04:05.000000"), os.Getpid(), taskID, level, component, msg)
}
