package cli

import (
	"testing"

	"github.com/spf13/cobra"
)

// parseGlobals runs the root command's flag parsing and pre-run on a
// probe command that does nothing.
func parseGlobals(t *testing.T, args ...string) *globals {
	t.Helper()
	g := &globals{}
	root := newRootCmd(g)
	root.AddCommand(&cobra.Command{Use: "probe", RunE: func(*cobra.Command, []string) error { return nil }})
	root.SetArgs(append([]string{"probe"}, args...))
	if err := root.Execute(); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return g
}

func TestProductionFromFlagOrEnvironment(t *testing.T) {
	for _, c := range []struct {
		env  string
		args []string
		want bool
	}{
		{"", nil, false},
		{"", []string{"--production"}, true},
		{"1", nil, true},
		{"true", nil, true},
		{"0", nil, false},
		{"false", nil, false},
		{"0", []string{"--production"}, true},
	} {
		t.Setenv("BOSUN_PRODUCTION", c.env)
		if got := parseGlobals(t, c.args...).production; got != c.want {
			t.Errorf("BOSUN_PRODUCTION=%q %v: production %v, want %v", c.env, c.args, got, c.want)
		}
	}
}
