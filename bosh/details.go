package bosh

import (
	"context"
	"net/url"
	"sync"
)

// InstanceDetails lists a deployment's instances with process state,
// processes and vitals: the director runs a task for it
// (GET /deployments/:d/instances?format=full). Concurrent calls for the
// same deployment share one task, and the Client keeps at most
// Options.MaxTasks tasks in flight. Instances are sorted by group, then
// index, and have Full set. When a line of the task's result cannot be
// read, the error is KindBadResponse and the instances read so far are
// returned with it.
func (c *Client) InstanceDetails(ctx context.Context, dep string) ([]Instance, error) {
	op := "instance details of " + dep
	if dep == "" {
		return nil, &Error{Kind: KindConfig, Op: "instance details", Description: "no deployment named"}
	}
	s, err := c.session(ctx, op)
	if err != nil {
		return nil, err
	}
	insts, err := c.tasks.do(ctx, dep, func(fctx context.Context) ([]Instance, error) {
		return c.fetchDetails(fctx, s, dep)
	})
	if err != nil {
		return insts, classify(op, c.target.URL, err)
	}
	return insts, nil
}

// fetchDetails runs the format=full task and reads its result. It calls
// the director package synchronously so that the task slot it runs under
// is held until the director is done with it.
func (c *Client) fetchDetails(ctx context.Context, s *session, dep string) ([]Instance, error) {
	op := "instance details of " + dep
	path := "/deployments/" + url.PathEscape(dep) + "/instances?format=full"
	taskID, body, err := s.wire.taskRequest(ctx, c.opts.PollInterval).GetResult(path)
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		e := classify(op, c.target.URL, err).(*Error)
		if e.TaskID == 0 {
			e.TaskID = taskID
		}
		if e.Kind == KindTaskFailed && ctx.Err() == nil {
			if t, terr := s.wire.client(ctx).Task(e.TaskID); terr == nil {
				e.Description = oneLine(t.Result)
			}
		}
		return nil, e
	}
	insts, err := parseInstanceDetails(dep, body)
	if err != nil {
		e := err.(*Error)
		e.Op, e.URL, e.TaskID = op, c.target.URL, taskID
		return insts, e
	}
	return insts, nil
}

// AllInstanceDetails fetches instance details of each deployment in deps,
// concurrently within the Client's task bound, and calls each once per
// deployment with the result, one call at a time. It returns an error
// without calling each when the director cannot be reached or
// authenticated, and a KindCanceled error when ctx ends first, in which
// case deployments not yet done are not reported.
func (c *Client) AllInstanceDetails(ctx context.Context, deps []string, each func(dep string, insts []Instance, err error)) error {
	const op = "instance details"
	if _, err := c.session(ctx, op); err != nil {
		return err
	}
	type result struct {
		dep   string
		insts []Instance
		err   error
	}
	jobs := make(chan string)
	results := make(chan result)
	workers := min(c.opts.MaxTasks, len(deps))
	var wg sync.WaitGroup
	wg.Add(workers)
	for range workers {
		go func() {
			defer wg.Done()
			for dep := range jobs {
				insts, err := c.InstanceDetails(ctx, dep)
				results <- result{dep, insts, err}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, d := range deps {
			select {
			case jobs <- d:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	for r := range results {
		if ctx.Err() != nil && KindOf(r.err) == KindCanceled {
			continue
		}
		each(r.dep, r.insts, r.err)
	}
	if err := ctx.Err(); err != nil {
		return classify(op, c.target.URL, err)
	}
	return nil
}
