package bosh

import (
	"context"
	"sync"
)

// taskGate bounds the director tasks a Client keeps in flight and makes
// concurrent requests for the same thing share one task.
type taskGate struct {
	slots chan struct{}

	mu      sync.Mutex
	flights map[string]*flight
	onJoin  func(key string) // test hook: a caller joined a running flight
}

// flight is one task-backed fetch that any number of callers wait on. It
// runs on its own context, which ends when its last waiter gives up.
type flight struct {
	done    chan struct{}
	insts   []Instance
	err     error
	ctx     context.Context
	cancel  context.CancelFunc
	waiters int // guarded by taskGate.mu
}

func newTaskGate(max int) *taskGate {
	return &taskGate{slots: make(chan struct{}, max), flights: map[string]*flight{}}
}

// do runs fetch for key, or joins the run already under way for key, and
// waits for its result or for ctx to end. fetch runs holding one slot,
// which it keeps until fetch returns, even after every waiter has left.
func (g *taskGate) do(ctx context.Context, key string, fetch func(context.Context) ([]Instance, error)) ([]Instance, error) {
	g.mu.Lock()
	f, joined := g.flights[key]
	hook := g.onJoin
	if joined {
		f.waiters++
	} else {
		fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &flight{done: make(chan struct{}), ctx: fctx, cancel: cancel, waiters: 1}
		g.flights[key] = f
		go g.run(key, f, fetch)
	}
	g.mu.Unlock()
	if joined && hook != nil {
		hook(key)
	}

	select {
	case <-f.done:
		return append([]Instance(nil), f.insts...), f.err
	case <-ctx.Done():
		g.mu.Lock()
		f.waiters--
		if f.waiters == 0 {
			f.cancel()
			if g.flights[key] == f {
				delete(g.flights, key)
			}
		}
		g.mu.Unlock()
		return nil, ctx.Err()
	}
}

func (g *taskGate) run(key string, f *flight, fetch func(context.Context) ([]Instance, error)) {
	defer func() {
		g.mu.Lock()
		if g.flights[key] == f {
			delete(g.flights, key)
		}
		g.mu.Unlock()
		f.cancel()
		close(f.done)
	}()
	select {
	case g.slots <- struct{}{}:
	case <-f.ctx.Done():
		f.err = f.ctx.Err()
		return
	}
	defer func() { <-g.slots }()
	f.insts, f.err = fetch(f.ctx)
}
