package bosh

import (
	"context"
	"time"

	boshlog "github.com/cloudfoundry/bosh-utils/logger"
)

// Options tune a Client.
type Options struct {
	MaxTasks     int           // director tasks bosun keeps in flight at once, default 8
	PollInterval time.Duration // task state poll step, default 100ms
	// Known is what a cache remembers of the director. With its auth type
	// (and, for UAA, the UAA URL: no secret) known, connecting skips the
	// anonymous GET /info that only serves to learn them, so a cold
	// command makes no more requests than the bosh CLI. Should the
	// remembered auth no longer work, the client connects afresh once.
	Known Info
}

const (
	defaultMaxTasks     = 8
	defaultPollInterval = 100 * time.Millisecond
)

// Client talks to one director. It is safe for concurrent use. It
// connects on its first call and keeps the connection (auth type, token
// session) for later calls; a failed connect is tried again next call.
type Client struct {
	target     Target
	opts       Options
	logger     boshlog.Logger
	retryDelay time.Duration

	connLock chan struct{} // held while connecting
	sess     *session      // guarded by connLock
	noHint   bool          // guarded by connLock: Known failed once, ask /info

	tasks *taskGate
}

// New makes a client for t. It does no network I/O.
func New(t Target, o Options) *Client {
	if o.MaxTasks <= 0 {
		o.MaxTasks = defaultMaxTasks
	}
	if o.PollInterval <= 0 {
		o.PollInterval = defaultPollInterval
	}
	return &Client{
		target:     t,
		opts:       o,
		logger:     boshlog.NewLogger(boshlog.LevelNone),
		retryDelay: defaultRetryDelay,
		connLock:   make(chan struct{}, 1),
		tasks:      newTaskGate(o.MaxTasks),
	}
}

// Target is the environment the client talks to.
func (c *Client) Target() Target { return c.target }

// session connects on first use.
func (c *Client) session(ctx context.Context, op string) (*session, error) {
	if err := ctx.Err(); err != nil {
		return nil, classify(op, c.target.URL, err)
	}
	select {
	case c.connLock <- struct{}{}:
	case <-ctx.Done():
		return nil, classify(op, c.target.URL, ctx.Err())
	}
	defer func() { <-c.connLock }()
	if c.sess != nil {
		return c.sess, nil
	}
	var known *Info
	if !c.noHint && (c.opts.Known.AuthType == "basic" || c.opts.Known.AuthType == "uaa" && c.opts.Known.UAAURL != "") {
		known = &c.opts.Known
	}
	s, err := await(ctx, func() (*session, error) {
		return connect(ctx, c.target, c.logger, c.retryDelay, known)
	})
	if err != nil {
		return nil, classify(op, c.target.URL, err)
	}
	c.sess = s
	return s, nil
}

// await runs f on its own goroutine and returns its result, or ctx's error
// as soon as ctx ends; f then finishes in the background.
func await[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		if r.err != nil && ctx.Err() != nil {
			return r.v, ctx.Err()
		}
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// dropHint forgets a session built on remembered auth settings, so the
// next call connects with a fresh anonymous GET /info; false when the
// session was not built on them.
func (c *Client) dropHint(ctx context.Context) bool {
	select {
	case c.connLock <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	defer func() { <-c.connLock }()
	if c.sess == nil || !c.sess.hinted {
		return false
	}
	c.sess, c.noHint = nil, true
	return true
}
