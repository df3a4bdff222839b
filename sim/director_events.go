package sim

import (
	"strconv"
	"time"
)

// event is one entry of the director's audit trail (GET /events).
type event struct {
	ID         int
	ParentID   int
	Time       time.Time
	User       string
	Action     string
	ObjectType string
	ObjectName string
	Error      string
	Task       string
	Deployment string
	Instance   string
	Context    map[string]any
}

// eventJSON is EventManager#event_to_hash: null and "" values are left out.
type eventJSON struct {
	ID         string         `json:"id"`
	ParentID   string         `json:"parent_id,omitempty"`
	Timestamp  int64          `json:"timestamp"`
	User       string         `json:"user,omitempty"`
	Action     string         `json:"action,omitempty"`
	ObjectType string         `json:"object_type,omitempty"`
	ObjectName string         `json:"object_name,omitempty"`
	Error      string         `json:"error,omitempty"`
	Task       string         `json:"task,omitempty"`
	Deployment string         `json:"deployment,omitempty"`
	Instance   string         `json:"instance,omitempty"`
	Context    map[string]any `json:"context"`
}

func (e *event) json() eventJSON {
	j := eventJSON{
		ID: strconv.Itoa(e.ID), Timestamp: e.Time.Unix(), User: e.User, Action: e.Action, ObjectType: e.ObjectType,
		ObjectName: e.ObjectName, Error: e.Error, Task: e.Task, Deployment: e.Deployment, Instance: e.Instance,
		Context: e.Context,
	}
	if e.ParentID != 0 {
		j.ParentID = strconv.Itoa(e.ParentID)
	}
	if j.Context == nil {
		j.Context = map[string]any{}
	}
	return j
}

// addEventLocked appends an event with the next id and returns the id.
func (f *Foundation) addEventLocked(e event) int {
	f.nextEvent++
	e.ID = f.nextEvent
	f.events = append(f.events, &e)
	return e.ID
}
