package bosh

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Task output types (GET /tasks/:id/output?type=...).
const (
	OutputEvent  = "event"
	OutputDebug  = "debug"
	OutputResult = "result"
	OutputCPI    = "cpi"
)

// Follow steps: the pause between output polls starts at FollowFastStep
// and goes back to it whenever output arrives; while nothing changes it
// doubles up to FollowIdleStep. The bosh CLI polls at a fixed 500 ms,
// with two requests (state, then output) each time; an idle follow here
// makes at most two requests a second, so at most half of that.
const (
	FollowFastStep = 100 * time.Millisecond
	FollowIdleStep = time.Second
)

// FollowOptions tune FollowTask; zero values are the defaults above.
type FollowOptions struct {
	FastStep time.Duration
	IdleStep time.Duration
	// OnState is told the task each time bosun reads it (may be nil).
	OnState func(Task)
}

// FollowTask reads output typ of task id from the start and, while the
// task runs, follows it with Range requests from the offset already read
// (416: nothing new). Each chunk goes to onChunk as it arrives. It returns
// the task as it ended, or ctx's error when ctx ends first (the task goes
// on). Output arriving keeps the polls at the fast step; only a poll that
// brings nothing asks for the task's state, so a busy task costs one
// request per step and an idle one two per idle step.
func (c *Client) FollowTask(ctx context.Context, id int, typ string, onChunk func([]byte), o FollowOptions) (Task, error) {
	op := "follow task " + strconv.Itoa(id)
	if o.FastStep <= 0 {
		o.FastStep = FollowFastStep
	}
	if o.IdleStep < o.FastStep {
		o.IdleStep = max(FollowIdleStep, o.FastStep)
	}
	if typ == "" {
		typ = OutputEvent
	}
	s, err := c.session(ctx, op)
	if err != nil {
		return Task{}, err
	}
	t, err := await(ctx, func() (Task, error) {
		return c.follow(ctx, s, id, typ, onChunk, o)
	})
	if err != nil {
		return t, classify(op, c.target.URL, err)
	}
	return t, nil
}

func (c *Client) follow(ctx context.Context, s *session, id int, typ string, onChunk func([]byte), o FollowOptions) (Task, error) {
	cl := s.wire.client(ctx)
	req := s.wire.request(ctx)
	path := fmt.Sprintf("/tasks/%d/output?type=%s", id, typ)
	offset := 0
	// read fetches what is new; it reports whether anything was.
	read := func() (bool, error) {
		var chunk bytes.Buffer
		_, resp, err := req.RawGet(path, &chunk, func(r *http.Request) {
			r.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
		})
		switch {
		case err != nil && resp != nil && resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
			return false, nil
		case err != nil:
			return false, err
		case resp != nil && resp.StatusCode == http.StatusOK && offset > 0:
			// A server that ignores Range sends everything again.
			b := chunk.Bytes()
			if len(b) <= offset {
				return false, nil
			}
			chunk.Next(offset)
		}
		if chunk.Len() == 0 {
			return false, nil
		}
		offset += chunk.Len()
		if onChunk != nil {
			onChunk(chunk.Bytes())
		}
		return true, nil
	}
	state := func() (Task, error) {
		r, err := cl.Task(id)
		if err != nil {
			return Task{}, err
		}
		t := taskFromResp(r)
		if o.OnState != nil {
			o.OnState(t)
		}
		return t, nil
	}

	// The task first: an unknown id is said before any output is asked.
	t, err := state()
	if err != nil {
		return Task{}, err
	}
	step := o.FastStep
	for {
		got, err := read()
		if err != nil {
			return t, err
		}
		if !t.Running() {
			// Ended: the output read after the end is complete.
			return t, nil
		}
		if got {
			step = o.FastStep
		} else {
			if t, err = state(); err != nil {
				return t, err
			}
			if !t.Running() {
				continue // one last read, then return
			}
			step = min(step*2, o.IdleStep)
		}
		select {
		case <-time.After(step):
		case <-ctx.Done():
			return t, ctx.Err()
		}
	}
}
