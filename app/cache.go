package app

import (
	"context"
	"time"

	"bosun/bosh"
	"bosun/pks"
)

// Cache is the session's cache as the commands and the TUI use it: reads
// pass through, and every write-back of a live listing (deployments,
// instances, clusters) happens here, in one place, with one policy: a
// failed write is reported to the session's warner and never fails the
// listing that was read live.
type Cache struct {
	s *Session
}

// Cache is the session's cache, or nil when it could not be opened.
func (s *Session) Cache() *Cache {
	if s.Store == nil {
		return nil
	}
	return &Cache{s: s}
}

// Deployments is the cached deployments listing of director uuid.
func (c *Cache) Deployments(uuid string) ([]bosh.Deployment, time.Time, error) {
	return c.s.Store.Deployments(uuid)
}

// Instances is the cached instances of one deployment.
func (c *Cache) Instances(uuid, dep string) ([]bosh.Instance, time.Time, error) {
	return c.s.Store.Instances(uuid, dep)
}

// AllInstances is every cached instance of director uuid.
func (c *Cache) AllInstances(uuid string) ([]bosh.Instance, time.Time, error) {
	return c.s.Store.AllInstances(uuid)
}

// Clusters is the cached PKS cluster list of director uuid and the API it came from.
func (c *Cache) Clusters(uuid string) ([]pks.Cluster, string, time.Time, error) {
	return c.s.Store.Clusters(uuid)
}

// KeepDeployments writes a live deployments listing back.
func (c *Cache) KeepDeployments(uuid string, deps []bosh.Deployment, at time.Time) error {
	return c.write("deployments", c.s.Store.SaveDeployments(uuid, deps, at))
}

// KeepInstances writes one deployment's live instances back.
func (c *Cache) KeepInstances(uuid, dep string, insts []bosh.Instance, at time.Time) error {
	return c.write("instances of "+dep, c.s.Store.SaveInstances(uuid, dep, insts, at))
}

// KeepClusters writes a live PKS cluster list back.
func (c *Cache) KeepClusters(uuid, apiURL string, clusters []pks.Cluster, at time.Time) error {
	return c.write("clusters", c.s.Store.SaveClusters(uuid, apiURL, clusters, at))
}

func (c *Cache) write(what string, err error) error { return c.s.cacheWriteError(what, err) }

// BeginInstanceListing says which deployments a live listing of every
// instance will fetch, so that a listing cut short reads as incomplete.
func (s *Session) BeginInstanceListing(uuid string, deps []string, at time.Time) error {
	if c := s.Cache(); c != nil && uuid != "" {
		return c.write("instance listing", s.Store.BeginInstanceListing(uuid, deps, at))
	}
	return nil
}

// KeepDeployments writes a live listing back to the cache when there is
// one; the error says only that the cache was not updated.
func (s *Session) KeepDeployments(uuid string, deps []bosh.Deployment, at time.Time) error {
	if c := s.Cache(); c != nil && uuid != "" {
		return c.KeepDeployments(uuid, deps, at)
	}
	return nil
}

// KeepInstances writes one deployment's live instances back to the cache.
func (s *Session) KeepInstances(uuid, dep string, insts []bosh.Instance, at time.Time) error {
	if c := s.Cache(); c != nil && uuid != "" {
		return c.KeepInstances(uuid, dep, insts, at)
	}
	return nil
}

// KeepClusters writes a live PKS cluster list back to the cache.
func (s *Session) KeepClusters(uuid, apiURL string, clusters []pks.Cluster, at time.Time) error {
	if c := s.Cache(); c != nil && uuid != "" {
		return c.KeepClusters(uuid, apiURL, clusters, at)
	}
	return nil
}

// Director is the director client as the TUI reads it: each /info answer
// is remembered (in the cache too), so the next start and --offline know
// which director's rows to show.
type Director struct {
	*bosh.Client
	s *Session
}

// Director is the session's director, or nil offline.
func (s *Session) Director() *Director {
	if s.Client == nil {
		return nil
	}
	return &Director{Client: s.Client, s: s}
}

// Info asks the director who it is and remembers the answer.
func (d *Director) Info(ctx context.Context) (bosh.Info, error) {
	info, _, err := d.s.DirectorInfo(ctx, false)
	return info, err
}
