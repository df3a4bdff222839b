package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"bosun/bosh"
	"bosun/cache"
)

func newDeploymentsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "deployments",
		Aliases: []string{"ds", "deps"},
		Short:   "List deployments",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDeployments(cmd.Context(), g, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
}

func runDeployments(ctx context.Context, g *globals, out, errOut io.Writer) error {
	s, err := openSession(g)
	if err != nil {
		return err
	}
	defer s.close()
	deps, o, err := loadDeployments(ctx, g, s, errOut)
	if err != nil {
		return err
	}
	if g.jsonOut {
		return writeDeploymentsJSON(out, deps, o)
	}
	return writeDeploymentsTable(out, deps, g.table())
}

// loadDeployments returns the director's deployments, live (and written to
// the cache) or, with --offline, from the cache with a note of their age.
func loadDeployments(ctx context.Context, g *globals, s *session, errOut io.Writer) ([]bosh.Deployment, origin, error) {
	info, at, err := s.DirectorInfo(ctx, g.offline)
	if err != nil {
		return nil, origin{}, err
	}
	if g.offline {
		deps, at, err := s.Store.Deployments(info.UUID)
		if errors.Is(err, cache.ErrNotCached) {
			return nil, origin{}, fmt.Errorf("no deployments cached for %s yet: run once without --offline", s.EnvName)
		}
		if err != nil {
			return nil, origin{}, err
		}
		noteAge(errOut, "deployments", at)
		return deps, cachedAt(at), nil
	}
	s.warnCache(errOut)
	deps, err := liveDeployments(ctx, s, info.UUID, at, errOut)
	return deps, liveAt(at), err
}

// liveDeployments asks the director and writes the answer to the cache.
func liveDeployments(ctx context.Context, s *session, uuid string, at time.Time, errOut io.Writer) ([]bosh.Deployment, error) {
	deps, err := s.Client.Deployments(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.KeepDeployments(uuid, deps, at); err != nil {
		fmt.Fprintln(errOut, "bosun: warning: "+oneLine(err.Error()))
	}
	return deps, nil
}

func newInstancesCmd(g *globals) *cobra.Command {
	var dep string
	cmd := &cobra.Command{
		Use:     "instances",
		Aliases: []string{"is"},
		Short:   "List instances of one deployment (-d) or of all deployments, with process state and vitals",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dep == "" {
				dep = os.Getenv("BOSH_DEPLOYMENT")
			}
			return runInstances(cmd.Context(), g, dep, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVarP(&dep, "deployment", "d", "", "deployment name (env BOSH_DEPLOYMENT); all deployments when empty")
	return cmd
}

func runInstances(ctx context.Context, g *globals, dep string, out, errOut io.Writer) error {
	s, err := openSession(g)
	if err != nil {
		return err
	}
	defer s.close()
	if g.offline && g.jsonOut && dep == "" {
		return streamCachedInstances(ctx, s, out, errOut)
	}
	var insts []bosh.Instance
	var o origin
	if g.offline {
		insts, o, err = cachedInstances(ctx, s, dep, errOut)
	} else {
		insts, o, err = liveInstances(ctx, g, s, dep, errOut)
	}
	var partial exitError
	if errors.As(err, &partial) && insts != nil {
		err = nil
	}
	if err != nil {
		return err
	}
	bosh.SortInstances(insts)
	if g.jsonOut {
		err = writeInstancesJSON(out, insts, o)
	} else {
		err = writeInstancesTable(out, insts, dep == "", g.table())
	}
	if err == nil && partial.code != 0 {
		return partial
	}
	return err
}

func cachedInstances(ctx context.Context, s *session, dep string, errOut io.Writer) ([]bosh.Instance, origin, error) {
	info, _, err := s.DirectorInfo(ctx, true)
	if err != nil {
		return nil, origin{}, err
	}
	var insts []bosh.Instance
	var at time.Time
	if dep != "" {
		insts, at, err = s.Store.Instances(info.UUID, dep)
		if errors.Is(err, cache.ErrNotCached) {
			return nil, origin{}, fmt.Errorf("no instances of %s cached for %s yet: run once without --offline", dep, s.EnvName)
		}
		if err != nil {
			return nil, origin{}, err
		}
		noteAge(errOut, "instances", at)
		return insts, cachedAt(at), nil
	}
	insts, l, err := s.Store.ListedInstances(info.UUID)
	if errors.Is(err, cache.ErrNotCached) {
		return nil, origin{}, fmt.Errorf("no instances cached for %s yet: run once without --offline", s.EnvName)
	}
	if err != nil {
		return nil, origin{}, err
	}
	if insts == nil {
		insts = []bosh.Instance{}
	}
	o := cachedAt(l.FetchedAt)
	o.byDep, _ = s.Store.SnapshotTimes(info.UUID) // without them, the listing's time stands
	return insts, o, noteListing(errOut, l)
}

// noteListing says how old and how complete an offline listing is; an
// incomplete one is a partial result (exit 3).
func noteListing(errOut io.Writer, l cache.Listing) error {
	if l.Complete {
		noteAge(errOut, "instances", l.FetchedAt)
		return nil
	}
	fmt.Fprintf(errOut, "bosun: instances from cache: %d of %d deployments, fetched %s ago (%s); not fetched: %s\n",
		l.Fetched, l.Expected, cache.Age(l.FetchedAt, time.Now()), l.FetchedAt.Local().Format("2006-01-02 15:04:05"), strings.Join(l.Missing, ", "))
	return exitError{3, fmt.Sprintf("the cached listing is incomplete: %d of %d deployments", l.Fetched, l.Expected)}
}

// streamCachedInstances prints every cached instance as JSON straight from
// the cache, so 50,000 instances print in constant memory.
func streamCachedInstances(ctx context.Context, s *session, out, errOut io.Writer) error {
	info, _, err := s.DirectorInfo(ctx, true)
	if err != nil {
		return err
	}
	arr := newJSONArray(out)
	l, err := s.Store.EachListedInstanceAt(info.UUID, func(in bosh.Instance, at time.Time) error {
		return arr.add(instanceForJSON(in, cachedAt(at)))
	})
	if errors.Is(err, cache.ErrNotCached) {
		return fmt.Errorf("no instances cached for %s yet: run once without --offline", s.EnvName)
	}
	if err != nil {
		return err
	}
	partial := noteListing(errOut, l)
	if err := arr.close(); err != nil {
		return err
	}
	return partial
}

// liveInstances fetches instance details (a director task per deployment)
// for one deployment or, concurrently within the client's bound, for all.
func liveInstances(ctx context.Context, g *globals, s *session, dep string, errOut io.Writer) ([]bosh.Instance, origin, error) {
	info, _, err := s.DirectorInfo(ctx, false)
	if err != nil {
		return nil, origin{}, err
	}
	s.warnCache(errOut)
	o := liveAt(time.Now())
	o.byDep = map[string]time.Time{}
	var atMu sync.Mutex
	save := func(d string, insts []bosh.Instance) {
		at := time.Now()
		if err := s.KeepInstances(info.UUID, d, insts, at); err != nil {
			fmt.Fprintln(errOut, "bosun: warning: "+oneLine(err.Error()))
		}
		atMu.Lock()
		o.byDep[d] = at
		atMu.Unlock()
	}
	if dep != "" {
		insts, err := s.Client.InstanceDetails(ctx, dep)
		if err != nil {
			return nil, origin{}, err
		}
		save(dep, insts)
		return insts, o, nil
	}
	deps, err := liveDeployments(ctx, s, info.UUID, time.Now(), io.Discard)
	if err != nil {
		return nil, origin{}, err
	}
	names := make([]string, len(deps))
	for i, d := range deps {
		names[i] = d.Name
	}
	if err := s.BeginInstanceListing(info.UUID, names, time.Now()); err != nil {
		fmt.Fprintln(errOut, "bosun: warning: "+oneLine(err.Error()))
	}
	var mu sync.Mutex
	var all []bosh.Instance
	var failed []error
	err = s.Client.AllInstanceDetails(ctx, names, func(d string, insts []bosh.Instance, err error) {
		if err != nil {
			mu.Lock()
			failed = append(failed, fmt.Errorf("%s: %w", d, err))
			mu.Unlock()
			return
		}
		save(d, insts)
		mu.Lock()
		all = append(all, insts...)
		mu.Unlock()
	})
	if err != nil {
		return nil, origin{}, err
	}
	if len(failed) > 0 {
		for _, e := range failed {
			fmt.Fprintln(errOut, "bosun: "+oneLine(e.Error()))
		}
		// Print what did arrive; the exit code still says it is incomplete.
		return all, o, partial(fmt.Sprintf("instances of %d of %d deployments could not be fetched", len(failed), len(names)))
	}
	return all, o, nil
}
