package sim

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// Manifest shape, in the order operators write it.

type manifestDoc struct {
	Name           string             `yaml:"name"`
	Releases       []manifestRelease  `yaml:"releases"`
	Stemcells      []manifestStemcell `yaml:"stemcells"`
	Update         manifestUpdate     `yaml:"update"`
	InstanceGroups []manifestGroup    `yaml:"instance_groups"`
}

type manifestRelease struct {
	Name    string `yaml:"name"`
	Version string `yaml:"version"`
}

type manifestStemcell struct {
	Alias   string `yaml:"alias"`
	OS      string `yaml:"os"`
	Version string `yaml:"version"`
}

type manifestUpdate struct {
	Canaries        int    `yaml:"canaries"`
	MaxInFlight     string `yaml:"max_in_flight"`
	CanaryWatchTime string `yaml:"canary_watch_time"`
	UpdateWatchTime string `yaml:"update_watch_time"`
	Serial          bool   `yaml:"serial"`
}

type manifestGroup struct {
	Name               string            `yaml:"name"`
	Lifecycle          string            `yaml:"lifecycle,omitempty"`
	Instances          int               `yaml:"instances"`
	AZs                []string          `yaml:"azs"`
	Jobs               []manifestJob     `yaml:"jobs"`
	VMType             string            `yaml:"vm_type"`
	Stemcell           string            `yaml:"stemcell"`
	PersistentDiskType string            `yaml:"persistent_disk_type,omitempty"`
	Networks           []manifestNetwork `yaml:"networks"`
}

type manifestJob struct {
	Name       string         `yaml:"name"`
	Release    string         `yaml:"release"`
	Properties map[string]any `yaml:"properties,omitempty"`
}

type manifestNetwork struct {
	Name string `yaml:"name"`
}

// manifestYAML renders a deployment's manifest text.
func manifestYAML(d *deployment) string {
	doc := manifestDoc{
		Name:      d.Name,
		Stemcells: []manifestStemcell{{Alias: "default", OS: d.Stemcell.OS, Version: d.Stemcell.Version}},
		Update:    manifestUpdate{Canaries: 1, MaxInFlight: "1", CanaryWatchTime: "10000-300000", UpdateWatchTime: "10000-300000", Serial: true},
	}
	for _, r := range d.Releases {
		doc.Releases = append(doc.Releases, manifestRelease(r))
	}
	for _, g := range d.Groups {
		mg := manifestGroup{Name: g.Name, AZs: g.AZs, VMType: g.VMType, Stemcell: "default",
			Networks: []manifestNetwork{{Name: d.Network}}}
		if g.Errand {
			mg.Lifecycle = "errand"
		}
		if g.PersistentMB > 0 {
			mg.PersistentDiskType = diskTypeName(g.PersistentMB)
		}
		for _, in := range d.Instances {
			if in.Group == g {
				mg.Instances++
			}
		}
		for _, j := range g.Jobs {
			mg.Jobs = append(mg.Jobs, manifestJob{Name: j.Name, Release: j.Release})
		}
		doc.InstanceGroups = append(doc.InstanceGroups, mg)
	}
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return "name: " + d.Name + "\n"
	}
	enc.Close()
	return b.String()
}

func diskTypeName(mb int) string { return itoa(mb) }
