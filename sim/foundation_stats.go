package sim

import "maps"

// Stats are counters for tests.
type Stats struct {
	// Requests counts requests per route: "GET /deployments/:d/instances"
	// for the director, "UAA POST /oauth/token" for UAA, "unmatched" for
	// paths no route knows.
	Requests map[string]int
	// Unauthorized counts director 401s for missing, invalid or expired
	// credentials (not scope refusals).
	Unauthorized int
	// ScopeRefusals counts director 401s with code 600000.
	ScopeRefusals int
	// ServerErrors counts 500s from the ErrorBurst fault.
	ServerErrors int
	// TasksStarted counts tasks created through the API, per deployment.
	TasksStarted map[string]int
	// MaxConcurrent is the most tasks processing at once in the worker pool.
	MaxConcurrent int
	// TokenGrants counts tokens issued per grant type.
	TokenGrants map[string]int
	// Jumpbox counts the jumpbox's direct-tcpip channels by destination:
	// "director", "uaa", "pks-api", "pks-uaa", "vm", and "refused".
	Jumpbox map[string]int
}

type statsCounters struct {
	Stats
}

func newStatsCounters() statsCounters {
	return statsCounters{Stats{Requests: map[string]int{}, TasksStarted: map[string]int{}, TokenGrants: map[string]int{}, Jumpbox: map[string]int{}}}
}

// Stats returns a snapshot of the counters.
func (f *Foundation) Stats() Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.stats.Stats
	s.Requests = maps.Clone(s.Requests)
	s.TasksStarted = maps.Clone(s.TasksStarted)
	s.TokenGrants = maps.Clone(s.TokenGrants)
	s.Jumpbox = maps.Clone(s.Jumpbox)
	return s
}

func (f *Foundation) countRequest(route string) {
	f.mu.Lock()
	f.stats.Requests[route]++
	f.mu.Unlock()
}

func (f *Foundation) countGrant(grant string) {
	f.mu.Lock()
	f.stats.TokenGrants[grant]++
	f.mu.Unlock()
}

func (f *Foundation) countJumpbox(dest string) {
	f.mu.Lock()
	f.stats.Jumpbox[dest]++
	f.mu.Unlock()
}
