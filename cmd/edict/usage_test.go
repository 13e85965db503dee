package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// leafCommands lists every command that runs code, with its path below edict.
func leafCommands(c *cobra.Command, path []string) [][]string {
	var out [][]string
	if c.Runnable() && len(path) > 0 {
		out = append(out, path)
	}
	for _, sub := range c.Commands() {
		if sub.Hidden || sub.Name() == "help" || sub.Name() == "completion" {
			continue
		}
		out = append(out, leafCommands(sub, append(append([]string{}, path...), sub.Name()))...)
	}
	return out
}

// TestUsageErrors calls every command wrongly - an unknown flag, too few or
// too many arguments, a required flag left out - and expects exit 2 with a
// message naming the mistake, before the command does anything.
func TestUsageErrors(t *testing.T) {
	type row struct {
		name string
		args []string
		want string
	}
	var rows []row
	root := newRootCmd()
	for _, path := range leafCommands(root, nil) {
		name := strings.Join(path, " ")
		c, _, err := root.Find(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.Example == "" {
			t.Errorf("%s: --help has no example", name)
		}
		rows = append(rows, row{name + " unknown flag", append(append([]string{}, path...), "--no-such-flag"), "unknown flag: --no-such-flag"})
		if c.Args != nil && c.Args(c, nil) != nil {
			rows = append(rows, row{name + " missing argument", path, "arg"})
		}
		many := make([]string, 20)
		for i := range many {
			many[i] = "x"
		}
		if c.Args != nil && c.Args(c, many) != nil {
			rows = append(rows, row{name + " too many arguments", append(append([]string{}, path...), many...), ""})
		}
	}
	rows = append(rows,
		row{"unknown command", []string{"biuld"}, `unknown command "biuld" for "edict"`},
		row{"unknown subcommand", []string{"library", "shwo"}, `unknown command "shwo"`},
		row{"bad flag value", []string{"test", "--parallel", "many"}, `invalid argument "many" for "--parallel"`},
		row{"pull without -o", []string{"pull", "oci://localhost:1/x:1"}, `required flag(s) "out-dir" not set`},
		row{"sign without --key", []string{"sign", "dist/x"}, `required flag(s) "key" not set`},
		row{"verify without --key", []string{"verify", "dist/x"}, `required flag(s) "key" not set`},
	)
	if len(rows) < 40 {
		t.Fatalf("only %d rows: the command tree was not walked", len(rows))
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runEdict(t, "", tt.args...)
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, ExitUsage, errOut)
			}
			if !strings.HasPrefix(errOut, "edict: ") || !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr %q, want an edict: line containing %q", errOut, tt.want)
			}
			if out != "" {
				t.Errorf("a usage error printed %q on stdout", out)
			}
		})
	}
}

// TestUsageErrorsAreTyped: the exit code of a usage error does not depend on
// cobra's wording, and a command's own error is not taken for one.
func TestUsageErrorsAreTyped(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"typed usage error", usageErr(errString("whatever the words")), ExitUsage},
		{"usage words from a command", errString("requires at least 1 arg(s)"), ExitFailure},
		{"unknown command words from a command", errString("unknown command in policy"), ExitFailure},
		{"required flag words from a command", errString("required flag(s) somewhere"), ExitFailure},
		{"no error", nil, ExitOK},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("%s: exit %d, want %d", tt.name, got, tt.want)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }
