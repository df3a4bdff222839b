package sim

import (
	"fmt"
	"time"
)

// deployStep is one task line pair of an update_deployment event log: a
// preparation step, or the update of one instance.
type deployStep struct {
	stage string
	tags  []string
	total int
	index int
	name  string
	inst  *instance // nil for preparation steps
	start time.Time
	end   time.Time
}

// planDeploy lays out an update of every instance of d, starting at start:
// preparation, then each instance group in order, the first instance of
// each group as canary. instDur gives each instance update's duration.
func planDeploy(d *deployment, start time.Time, instDur func(*instance) time.Duration) []deployStep {
	var steps []deployStep
	at := start
	add := func(s deployStep, dur time.Duration) {
		s.start, s.end = at, at.Add(dur)
		at = s.end
		steps = append(steps, s)
	}
	add(deployStep{stage: "Preparing deployment", total: 1, index: 1, name: "Preparing deployment"}, 4*time.Second)
	add(deployStep{stage: "Preparing package compilation", total: 1, index: 1, name: "Finding packages to compile"}, 1*time.Second)
	for _, g := range d.Groups {
		var members []*instance
		for _, in := range d.Instances {
			if in.Group == g && !g.Errand {
				members = append(members, in)
			}
		}
		for i, in := range members {
			name := fmt.Sprintf("%s (%d)", in.name(), in.Index)
			if i == 0 {
				name += " (canary)"
			}
			add(deployStep{stage: "Updating instance", tags: []string{g.Name}, total: len(members), index: i + 1, name: name, inst: in}, instDur(in))
		}
	}
	return steps
}

func (s deployStep) startedLine() stageLine {
	return stageLine{Time: s.start.Unix(), Stage: s.stage, Tags: nonNil(s.tags), Total: ptr(s.total), Task: s.name, Index: s.index, State: "started"}
}

func (s deployStep) finishedLine(at time.Time) stageLine {
	l := s.startedLine()
	l.Time, l.State, l.Progress = at.Unix(), "finished", 100
	return l
}

// deployEventLog is the complete event log of a finished deploy.
func deployEventLog(steps []deployStep) []byte {
	var e eventWriter
	for _, s := range steps {
		e.line(s.startedLine())
		e.line(s.finishedLine(s.end))
	}
	return e.out
}

// deployContext is the context of the closing deployment event.
func deployContext(before, after *deployment, beforeVersions map[string]string) map[string]any {
	list := func(d *deployment, override map[string]string) []string {
		var out []string
		for _, r := range d.Releases {
			v := r.Version
			if o, ok := override[r.Name]; ok {
				v = o
			}
			out = append(out, r.Name+"/"+v)
		}
		return out
	}
	ctx := map[string]any{
		"before": map[string]any{"releases": list(before, beforeVersions), "stemcells": []string{before.Stemcell.Name + "/" + before.Stemcell.Version}},
		"after":  map[string]any{"releases": list(after, nil), "stemcells": []string{after.Stemcell.Name + "/" + after.Stemcell.Version}},
	}
	return ctx
}

// instanceChangeContext is the context of an instance update's first event.
func instanceChangeContext(in *instance) map[string]any {
	return map[string]any{"az": in.AZ, "changes": []string{"stemcell", "packages", "configuration", "job"}}
}
