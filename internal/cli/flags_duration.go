package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Durations accept days everywhere: "7d", "1d12h", "36h", "90s".

// parseDuration is time.ParseDuration with a leading whole or decimal
// number of days ("7d", "1.5d", "1d12h").
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.ParseFloat(s[:i], 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not a duration: want a number with a unit, such as 90s, 36h or 7d", s)
		}
		days, s = time.Duration(n*float64(24*time.Hour)), s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: want a number with a unit, such as 90s, 36h or 7d", s)
	}
	if days > 0 && d < 0 {
		return 0, fmt.Errorf("%q is not a duration", s)
	}
	return days + d, nil
}

// dayDuration is a duration flag that also takes days.
type dayDuration struct{ inner pflag.Value }

func (d dayDuration) String() string { return d.inner.String() }
func (d dayDuration) Type() string   { return "duration" }
func (d dayDuration) Set(s string) error {
	v, err := parseDuration(s)
	if err != nil {
		return err
	}
	return d.inner.Set(v.String())
}

// acceptDays makes every duration flag of cmd and its subcommands take
// days, whichever file declared it.
func acceptDays(cmd *cobra.Command) {
	wrap := func(f *pflag.Flag) {
		if f.Value.Type() == "duration" {
			if _, done := f.Value.(dayDuration); !done {
				f.Value = dayDuration{f.Value}
			}
		}
	}
	cmd.Flags().VisitAll(wrap)
	cmd.PersistentFlags().VisitAll(wrap)
	for _, c := range cmd.Commands() {
		acceptDays(c)
	}
}
