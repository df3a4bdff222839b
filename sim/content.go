package sim

import (
	"sort"
	"time"
)

// content is the foundation the director reports: deployments with their
// instance groups, instances and VMs, the releases and stemcells they use.
// It is generated once from the seed at start and is read-only afterwards.
type content struct {
	directorName string
	uuid         string
	epoch        time.Time // start time; content times are set relative to it

	deployments []*deployment // sorted by name
	byName      map[string]*deployment
	stemcells   []*stemcell
	releases    []*releaseSeries // sorted by name

	pks      *deployment // the PKS control plane
	clusters []*deployment
	harbor   *deployment
	fillers  []*deployment
}

type stemcell struct {
	ID         int
	Name       string
	OS         string
	Version    string
	CID        string
	APIVersion int
}

// release is one release version used by a deployment.
type release struct {
	Name    string
	Version string
}

// releaseSeries is every uploaded version of one release.
type releaseSeries struct {
	Name     string
	Versions []*releaseVersion // oldest first
}

type releaseVersion struct {
	Version    string
	CommitHash string
	JobNames   []string
	deployed   bool
}

type deployment struct {
	Name       string
	Teams      []string
	Releases   []release
	Stemcell   *stemcell
	Groups     []*instanceGroup
	Instances  []*instance // group order, then index
	Network    string
	DeployedBy string // user of the deploy task in the seeded history
	DeployedAt time.Time
}

type instanceGroup struct {
	Name         string
	VMType       string
	CPU          int
	RAMMB        int
	DiskMB       int // ephemeral disk
	PersistentMB int // 0: no persistent disk
	Jobs         []job
	AZs          []string
	Errand       bool // lifecycle errand: instances expect no VM
}

// job is a release job in an instance group with the monit processes it runs.
type job struct {
	Name      string
	Release   string
	Processes []procSpec
}

// procSpec is a monit process with its typical memory use.
type procSpec struct {
	Name  string
	MemKB uint64
	CPU   float64 // typical cpu.total percent
}

// Health of an instance as the agent would report it.
const (
	healthRunning      = "running"
	healthFailing      = "failing"
	healthUnresponsive = "unresponsive"
	healthStopped      = "stopped"
)

type instance struct {
	Deployment string
	Group      *instanceGroup
	Index      int
	ID         string
	AZ         string
	Bootstrap  bool
	Ignore     bool
	State      string // desired: started, stopped, detached
	DiskCID    string // managed persistent disk, "" if none
	VM         *vm    // active VM, nil when the instance has none
	OldVMs     []*vm  // inactive VMs
	Health     string // as seeded; at run time the state model has it (sim/director_cck_model.go)
	Failing    string // name of the failing process when Health is failing
	Load       vitalsSeed
	Procs      []procSample
}

type vm struct {
	CID       string
	AgentID   string
	IPs       []string
	CreatedAt time.Time
	Stemcell  *stemcell
	Active    bool
}

// vitalsSeed holds the steady-state figures an instance's vitals vary around.
type vitalsSeed struct {
	CPUUser, CPUSys, CPUWait float64
	Load1                    float64
	MemPercent               float64
	SystemDisk, SystemInode  float64
	EphDisk, EphInode        float64
	PersDisk, PersInode      float64
	Phase                    float64 // per instance, so they do not move in step
}

// procSample is one process's steady-state figures.
type procSample struct {
	Name     string
	MemKB    uint64
	CPU      float64
	StartLag time.Duration // started this long after the VM booted
}

// name is "group/uuid".
func (in *instance) name() string { return in.Group.Name + "/" + in.ID }

// expectsVM is false for errand instances.
func (in *instance) expectsVM() bool { return !in.Group.Errand }

// index builds the lookup tables and sorted lists after generation.
func (c *content) index() {
	sort.Slice(c.deployments, func(i, j int) bool { return c.deployments[i].Name < c.deployments[j].Name })
	c.byName = make(map[string]*deployment, len(c.deployments))
	for _, d := range c.deployments {
		c.byName[d.Name] = d
	}
	sort.Slice(c.releases, func(i, j int) bool { return c.releases[i].Name < c.releases[j].Name })
}

// deploymentsUsing lists the deployments whose stemcell is s.
func (c *content) deploymentsUsing(s *stemcell) []string {
	var names []string
	for _, d := range c.deployments {
		if d.Stemcell == s {
			names = append(names, d.Name)
		}
	}
	return names
}
