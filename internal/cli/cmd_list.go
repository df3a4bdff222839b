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
	deps, err := loadDeployments(ctx, g, s, errOut)
	if err != nil {
		return err
	}
	if g.jsonOut {
		return writeJSON(out, deps)
	}
	return writeDeploymentsTable(out, deps)
}

// loadDeployments returns the director's deployments, live (and written to
// the cache) or, with --offline, from the cache with a note of their age.
func loadDeployments(ctx context.Context, g *globals, s *session, errOut io.Writer) ([]bosh.Deployment, error) {
	info, at, err := s.DirectorInfo(ctx, g.offline)
	if err != nil {
		return nil, err
	}
	if g.offline {
		deps, at, err := s.Store.Deployments(info.UUID)
		if errors.Is(err, cache.ErrNotCached) {
			return nil, fmt.Errorf("no deployments cached for %s yet: run once without --offline", s.EnvName)
		}
		if err != nil {
			return nil, err
		}
		noteAge(errOut, "deployments", at)
		return deps, nil
	}
	s.warnCache(errOut)
	return liveDeployments(ctx, s, info.UUID, at, errOut)
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
	if g.offline {
		insts, err = cachedInstances(ctx, s, dep, errOut)
	} else {
		insts, err = liveInstances(ctx, g, s, dep, errOut)
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
		err = writeJSON(out, insts)
	} else {
		err = writeInstancesTable(out, insts, dep == "")
	}
	if err == nil && partial.code != 0 {
		return partial
	}
	return err
}

func cachedInstances(ctx context.Context, s *session, dep string, errOut io.Writer) ([]bosh.Instance, error) {
	info, _, err := s.DirectorInfo(ctx, true)
	if err != nil {
		return nil, err
	}
	var insts []bosh.Instance
	var at time.Time
	if dep != "" {
		insts, at, err = s.Store.Instances(info.UUID, dep)
		if errors.Is(err, cache.ErrNotCached) {
			return nil, fmt.Errorf("no instances cached for %s yet: run once without --offline", s.EnvName)
		}
		if err != nil {
			return nil, err
		}
		noteAge(errOut, "instances", at)
		return insts, nil
	}
	insts, l, err := s.Store.ListedInstances(info.UUID)
	if errors.Is(err, cache.ErrNotCached) {
		return nil, fmt.Errorf("no instances cached for %s yet: run once without --offline", s.EnvName)
	}
	if err != nil {
		return nil, err
	}
	if insts == nil {
		insts = []bosh.Instance{}
	}
	return insts, noteListing(errOut, l)
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
	l, err := s.Store.EachListedInstance(info.UUID, func(in bosh.Instance) error {
		return arr.add(instanceForJSON(in))
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
func liveInstances(ctx context.Context, g *globals, s *session, dep string, errOut io.Writer) ([]bosh.Instance, error) {
	info, _, err := s.DirectorInfo(ctx, false)
	if err != nil {
		return nil, err
	}
	s.warnCache(errOut)
	save := func(d string, insts []bosh.Instance) {
		if err := s.KeepInstances(info.UUID, d, insts, time.Now()); err != nil {
			fmt.Fprintln(errOut, "bosun: warning: "+oneLine(err.Error()))
		}
	}
	if dep != "" {
		insts, err := s.Client.InstanceDetails(ctx, dep)
		if err != nil {
			return nil, err
		}
		save(dep, insts)
		return insts, nil
	}
	deps, err := liveDeployments(ctx, s, info.UUID, time.Now(), io.Discard)
	if err != nil {
		return nil, err
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
		return nil, err
	}
	if len(failed) > 0 {
		for _, e := range failed {
			fmt.Fprintln(errOut, "bosun: "+oneLine(e.Error()))
		}
		// Print what did arrive; the exit code still says it is incomplete.
		return all, exitError{3, fmt.Sprintf("instances of %d of %d deployments could not be fetched", len(failed), len(names))}
	}
	return all, nil
}
