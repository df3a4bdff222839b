package bosh

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"
)

// firstPollStep is the first pause between task polls of runTask; it
// doubles up to Options.PollInterval. A short cloud-check scan is thus
// noticed within milliseconds of its end, while a long one is polled no
// more often than any other task.
const firstPollStep = 5 * time.Millisecond

type taskShort struct {
	ID    int    `json:"id"`
	State string `json:"state"`
}

// runTask starts a director task with start (a POST or PUT answered by the
// redirect to the task) and waits for it the way the bosh CLI does: task
// state, then the event output from the offset already read (416: nothing
// new), each chunk going to rep. Only "done" succeeds; other end states
// give the CLI's error text, which classify reads as KindTaskFailed.
func (c *Client) runTask(ctx context.Context, s *session, rep *eventReporter, start func() (taskShort, error)) error {
	_, err := await(ctx, func() (struct{}, error) {
		t, err := start()
		if err != nil {
			return struct{}{}, err
		}
		rep.TaskStarted(t.ID)
		return struct{}{}, c.waitTask(ctx, s, rep, t.ID)
	})
	return err
}

func (c *Client) waitTask(ctx context.Context, s *session, rep *eventReporter, id int) error {
	req := s.wire.request(ctx)
	step, offset := firstPollStep, 0
	for {
		var t taskShort
		if err := req.Get(fmt.Sprintf("/tasks/%d", id), &t); err != nil {
			return err
		}
		var chunk bytes.Buffer
		_, resp, err := req.RawGet(fmt.Sprintf("/tasks/%d/output?type=event", id), &chunk, func(r *http.Request) {
			r.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
		})
		switch {
		case err != nil && resp != nil && resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		case err != nil:
			return err
		case chunk.Len() > 0:
			offset += chunk.Len()
			rep.TaskOutputChunk(id, chunk.Bytes())
		}
		switch t.State {
		case "queued", "processing", "cancelling":
		case "done":
			return nil
		default:
			//lint:ignore ST1005 the bosh CLI's own wording, which operators search for
			return fmt.Errorf("Expected task '%d' to succeed but state is '%s'", id, t.State)
		}
		select {
		case <-time.After(step):
		case <-ctx.Done():
			return ctx.Err()
		}
		step = min(step*2, c.opts.PollInterval)
	}
}
