package bosh

import (
	"context"
	"strconv"
	"time"

	boshdir "github.com/cloudfoundry/bosh-cli/v7/director"
)

// Event is one entry of the director's activity trail (GET /events, what
// `bosh events` shows). Empty strings are keys the director left out.
type Event struct {
	ID         string
	ParentID   string
	Time       time.Time
	User       string
	Action     string
	ObjectType string
	ObjectName string
	Task       string
	Deployment string
	Instance   string
	Context    map[string]any
	Error      string
}

// EventsPage is how many events the director returns at most per request.
const EventsPage = 200

// EventsFilter selects events as the director's query does. Empty fields
// do not filter.
type EventsFilter struct {
	BeforeID   string    // only events with a smaller id: the next page
	Before     time.Time // only events before this time
	After      time.Time // only events after this time (the director adds 1 s)
	Deployment string
	Instance   string
	User       string
	Action     string
	Task       string
	ObjectType string
	ObjectName string
}

// Events reads one page of the activity trail, newest first: at most
// EventsPage events. The next page is the same filter with BeforeID set to
// the id of the last event of this one.
func (c *Client) Events(ctx context.Context, f EventsFilter) ([]Event, error) {
	const op = "list activity events"
	s, err := c.session(ctx, op)
	if err != nil {
		return nil, err
	}
	df := boshdir.EventsFilter{BeforeID: f.BeforeID, Deployment: f.Deployment, Instance: f.Instance, User: f.User,
		Action: f.Action, Task: f.Task, ObjectType: f.ObjectType, ObjectName: f.ObjectName}
	if !f.Before.IsZero() {
		df.Before = strconv.FormatInt(f.Before.Unix(), 10)
	}
	if !f.After.IsZero() {
		df.After = strconv.FormatInt(f.After.Unix(), 10)
	}
	resps, err := await(ctx, func() ([]boshdir.EventResp, error) { return s.wire.client(ctx).Events(df) })
	if err != nil {
		return nil, classify(op, c.target.URL, err)
	}
	out := make([]Event, 0, len(resps))
	for _, r := range resps {
		out = append(out, Event{ID: r.ID, ParentID: r.ParentID, Time: time.Unix(r.Timestamp, 0), User: r.User,
			Action: r.Action, ObjectType: r.ObjectType, ObjectName: r.ObjectName, Task: r.TaskID,
			Deployment: r.DeploymentName, Instance: r.Instance, Context: r.Context, Error: r.Error})
	}
	return out, nil
}
