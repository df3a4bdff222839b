package bosh

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"time"

	boshdir "github.com/cloudfoundry/bosh-cli/v7/director"
	boshlog "github.com/cloudfoundry/bosh-utils/logger"
)

// Options tune a Client.
type Options struct {
	MaxTasks     int           // director tasks bosun keeps in flight at once, default 8
	PollInterval time.Duration // task state poll step, default 100ms
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
	s, err := await(ctx, func() (*session, error) {
		return connect(ctx, c.target, c.logger, c.retryDelay)
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

// Info asks the director who it is, authenticated, so that User is the
// user or client bosun acts as. When the director accepts no credentials
// (none configured, or refused) the error is KindUnauthorized and the
// returned Info still holds what the director said.
func (c *Client) Info(ctx context.Context) (Info, error) {
	const op = "director info"
	s, err := c.session(ctx, op)
	if err != nil {
		return Info{}, err
	}
	resp, err := await(ctx, func() (boshdir.InfoResp, error) {
		r, err := s.wire.client(ctx).Info()
		if err != nil || r.User != "" || s.token == nil {
			return r, err
		}
		// /info never answers 401: a stale saved access token shows up as
		// no user. Refresh the token once and ask again.
		if _, err := s.token(true); err != nil {
			return r, err
		}
		return s.wire.client(ctx).Info()
	})
	if err != nil {
		return infoFrom(s.anon), classify(op, c.target.URL, err)
	}
	info := infoFrom(resp)
	if info.User == "" {
		e := &Error{Kind: KindUnauthorized, Op: op, URL: c.target.URL}
		if s.hasCreds {
			e.Description = fmt.Sprintf("director %s did not accept the credentials of %q", c.target.URL, s.who)
		} else {
			e.Description = fmt.Sprintf("no credentials for director %s: set BOSH_CLIENT and BOSH_CLIENT_SECRET, or run `bosh log-in`", c.target.URL)
		}
		return info, e
	}
	return info, nil
}

func infoFrom(r boshdir.InfoResp) Info {
	info := Info{
		Name:            r.Name,
		UUID:            r.UUID,
		Version:         r.Version,
		User:            r.User,
		CPI:             r.CPI,
		StemcellOS:      r.StemcellOS,
		StemcellVersion: r.StemcellVersion,
		AuthType:        r.Auth.Type,
	}
	if u, ok := r.Auth.Options["url"].(string); ok {
		info.UAAURL = u
	}
	if len(r.Features) > 0 {
		info.Features = make(map[string]bool, len(r.Features))
		for k, f := range r.Features {
			info.Features[k] = f.Status
		}
	}
	return info
}

// deploymentResp is the director package's deployment row plus the lock
// flag, which the package does not decode.
type deploymentResp struct {
	boshdir.DeploymentResp
	Locked bool `json:"locked"`
}

// Deployments lists the deployments the credentials may read
// (GET /deployments?exclude_configs=true, as `bosh deployments` asks).
func (c *Client) Deployments(ctx context.Context) ([]Deployment, error) {
	const op = "list deployments"
	s, err := c.session(ctx, op)
	if err != nil {
		return nil, err
	}
	resps, err := await(ctx, func() ([]deploymentResp, error) {
		var out []deploymentResp
		err := s.wire.request(ctx).Get("/deployments?exclude_configs=true", &out)
		return out, err
	})
	if err != nil {
		return nil, classify(op, c.target.URL, err)
	}
	deps := make([]Deployment, 0, len(resps))
	for _, r := range resps {
		d := Deployment{Name: r.Name, Releases: []string{}, Stemcells: []string{}, Teams: []string{}, Locked: r.Locked}
		for _, rel := range r.Releases {
			d.Releases = append(d.Releases, rel.Name+"/"+rel.Version)
		}
		for _, st := range r.Stemcells {
			d.Stemcells = append(d.Stemcells, st.Name+"/"+st.Version)
		}
		d.Teams = append(d.Teams, r.Teams...)
		deps = append(deps, d)
	}
	return deps, nil
}

// instanceResp is the director package's cheap instance row plus index
// and VM creation time, which the package does not decode.
type instanceResp struct {
	boshdir.Instance
	Index       *int   `json:"index"`
	VMCreatedAt string `json:"vm_created_at"`
}

// Instances lists a deployment's instances the cheap way
// (GET /deployments/:d/instances, no task): no process state, processes
// or vitals, and Full is false. Sorted by group, then index.
func (c *Client) Instances(ctx context.Context, dep string) ([]Instance, error) {
	op := "list instances of " + dep
	if dep == "" {
		return nil, &Error{Kind: KindConfig, Op: "list instances", Description: "no deployment named"}
	}
	s, err := c.session(ctx, op)
	if err != nil {
		return nil, err
	}
	resps, err := await(ctx, func() ([]instanceResp, error) {
		var out []instanceResp
		err := s.wire.request(ctx).Get("/deployments/"+url.PathEscape(dep)+"/instances", &out)
		return out, err
	})
	if err != nil {
		return nil, classify(op, c.target.URL, err)
	}
	insts := make([]Instance, 0, len(resps))
	for _, r := range resps {
		in := Instance{
			Deployment: dep,
			Group:      r.Group,
			ID:         r.ID,
			Name:       r.Group + "/" + r.ID,
			AZ:         r.AZ,
			IPs:        append([]string{}, r.IPs...),
			VMCID:      r.VMID,
			AgentID:    r.AgentID,
			Processes:  []Process{},
		}
		if r.Index != nil {
			in.Index = *r.Index
		}
		in.VMCreatedAt, _ = boshdir.TimeParser{}.Parse(r.VMCreatedAt)
		insts = append(insts, in)
	}
	sortInstances(insts)
	return insts, nil
}

func sortInstances(insts []Instance) {
	sort.SliceStable(insts, func(i, j int) bool {
		a, b := insts[i], insts[j]
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		if a.Index != b.Index {
			return a.Index < b.Index
		}
		return a.ID < b.ID
	})
}
