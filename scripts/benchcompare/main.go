// Command benchcompare measures edict whole-process, as users run it: `edict
// build` over generated repositories (the shape of the build benchmarks) and
// `edict test` against `gator verify` over the same suite trees, with paired,
// repeated runs (wall time, CPU time and peak RSS from the kernel's rusage)
// and the ratios. It fetches nothing: gator is used only when given.
//
//	go run ./scripts/benchcompare -edict bin/edict [-gator PATH] [-suites DIR]...
//
// It measures; it asserts nothing, so it is not part of CI.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/edict-policy/edict/internal/benchrepo"
)

type sample struct {
	wall, cpu time.Duration
	rssKiB    int64
}

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

func main() {
	edict := flag.String("edict", "bin/edict", "the edict binary")
	gator := flag.String("gator", "", "a gator binary; without it the test comparison is skipped")
	runs := flag.Int("runs", 5, "paired runs per measurement")
	shapes := flag.String("shapes", "10x10,100x10,100x50", "generated repositories, POLICIESxINITIATIVES")
	work := flag.String("work", "", "folder for the generated trees (default: a temporary folder)")
	var suites stringList
	flag.Var(&suites, "suites", "a gator suite tree to run edict test and gator verify on (repeatable)")
	flag.Parse()
	if err := run(*edict, *gator, *runs, *shapes, *work, suites); err != nil {
		fmt.Fprintln(os.Stderr, "benchcompare:", err)
		os.Exit(1)
	}
}

func run(edict, gator string, runs int, shapes, work string, suites []string) error {
	edict, err := filepath.Abs(edict)
	if err != nil {
		return err
	}
	if work == "" {
		if work, err = os.MkdirTemp("", "edict-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	}
	cpus := 0
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		cpus = bytes.Count(data, []byte("\nprocessor")) + 1
	}
	fmt.Printf("%d runs each, paired; %d CPUs; times are medians (min in brackets)\n\n", runs, cpus)

	for _, name := range []string{"version", "library list"} {
		s, err := measure(runs, "", edict, strings.Fields(name)...)
		if err != nil {
			return err
		}
		fmt.Printf("edict %-14s %s\n", name, summary(s))
	}
	fmt.Println()

	fmt.Printf("%-8s %11s %s\n", "build", "constraints", "")
	for _, shape := range strings.Split(shapes, ",") {
		var n, m int
		if _, err := fmt.Sscanf(shape, "%dx%d", &n, &m); err != nil {
			return fmt.Errorf("shape %q: want POLICIESxINITIATIVES", shape)
		}
		dir := filepath.Join(work, "repo-"+shape)
		if err := writeRepo(dir, n, m); err != nil {
			return err
		}
		s, err := measure(runs, dir, edict, "build", ".", "-o", filepath.Join(work, "dist-"+shape))
		if err != nil {
			return err
		}
		c := benchrepo.Constraints(n) * m
		fmt.Printf("%-8s %11d %s  %.2f ms per constraint\n", shape, c, summary(s), float64(median(s, wall))/1e6/float64(c))
	}

	if gator == "" {
		fmt.Println("\nno gator binary given (-gator): edict test against gator verify skipped")
		return nil
	}
	for _, tree := range suites {
		fmt.Printf("\nsuites %s\n", tree)
		if err := compareTests(runs, edict, gator, tree); err != nil {
			return err
		}
	}
	return nil
}

// compareTests runs edict test and gator verify over one tree, alternating
// which goes first, and compares their verdicts case by case.
func compareTests(runs int, edict, gator, tree string) error {
	dir, base := filepath.Dir(tree), filepath.Base(tree)
	var es, gs []sample
	for i := range runs {
		order := []bool{true, false}
		if i%2 == 1 {
			order = []bool{false, true}
		}
		for _, isEdict := range order {
			var s []sample
			var err error
			if isEdict {
				s, err = measure(1, dir, edict, "test", base)
				es = append(es, s...)
			} else {
				s, err = measure(1, dir, gator, "verify", base+"/...")
				gs = append(gs, s...)
			}
			if err != nil {
				return err
			}
		}
	}
	fmt.Printf("  edict test    %s\n  gator verify  %s\n", summary(es), summary(gs))
	fmt.Printf("  edict is %.1fx faster (medians; %.1fx at best), peak memory %.0f%% of gator's\n",
		float64(median(gs, wall))/float64(median(es, wall)),
		float64(slices.Min(project(gs, wall)))/float64(slices.Min(project(es, wall))),
		100*float64(slices.Max(project(es, rss)))/float64(slices.Max(project(gs, rss))))
	ev, err := edictVerdicts(dir, edict, base)
	if err != nil {
		return err
	}
	gv, err := gatorVerdicts(dir, gator, base)
	if err != nil {
		return err
	}
	var diffs []string
	for k, v := range ev {
		if gv[k] != v {
			diffs = append(diffs, fmt.Sprintf("%s: edict %s, gator %q", k, v, gv[k]))
		}
	}
	for k, v := range gv {
		if _, ok := ev[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: gator %s, edict none", k, v))
		}
	}
	slices.Sort(diffs)
	if len(diffs) == 0 {
		fmt.Printf("  verdicts identical: %d cases\n", len(ev))
	} else {
		fmt.Printf("  verdicts differ in %d of %d cases:\n    %s\n", len(diffs), len(ev), strings.Join(diffs[:min(len(diffs), 20)], "\n    "))
	}
	return nil
}

func edictVerdicts(dir, edict, tree string) (map[string]string, error) {
	cmd := exec.Command(edict, "test", tree, "--format", "json")
	cmd.Dir = dir
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return nil, err
	}
	var rep struct {
		Results []struct{ Kind, Group, Name, Status string }
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		return nil, fmt.Errorf("edict test --format json: %w", err)
	}
	v := map[string]string{}
	for _, r := range rep.Results {
		if r.Kind == "suite" {
			v[r.Group+"//"+r.Name] = map[bool]string{true: "pass", false: "fail"}[r.Status == "pass"]
		}
	}
	return v, nil
}

var gatorLine = regexp.MustCompile(`^( *)--- (PASS|FAIL): (\S+)`)

// gatorVerdicts reads gator verify -v: case lines are indented under their
// test, and a suite's "ok"/"FAIL" line names its file after its tests.
func gatorVerdicts(dir, gator, tree string) (map[string]string, error) {
	cmd := exec.Command(gator, "verify", "-v", tree+"/...")
	cmd.Dir = dir
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return nil, err
	}
	v := map[string]string{}
	var pending [][2]string // name, verdict
	var cases [][2]string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if m := gatorLine.FindStringSubmatch(line); m != nil {
			verdict := strings.ToLower(m[2])
			if m[1] != "" {
				cases = append(cases, [2]string{m[3], verdict})
				continue
			}
			if len(cases) == 0 { // a test without cases (invalid: true) is its own verdict
				pending = append(pending, [2]string{m[3], verdict})
			}
			for _, c := range cases {
				pending = append(pending, [2]string{m[3] + "/" + c[0], c[1]})
			}
			cases = nil
			continue
		}
		if f, ok := strings.CutPrefix(line, "ok\t"); ok {
			line = f
		} else if f, ok := strings.CutPrefix(line, "FAIL\t"); ok {
			line = f
		} else {
			continue
		}
		file := strings.Fields(line)[0]
		// gator names a suite under DIR/... with DIR doubled.
		file = strings.Replace(file, tree+"/"+tree+"/", tree+"/", 1)
		for _, p := range pending {
			v[file+"//"+p[0]] = p[1]
		}
		pending = nil
	}
	return v, nil
}

// measure runs a command n times and returns what the kernel recorded for
// each run; a non-zero exit is fine (tests may fail), a failure to start is not.
func measure(n int, dir, name string, args ...string) ([]sample, error) {
	var out []sample
	for range n {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		start := time.Now()
		err := cmd.Run()
		elapsed := time.Since(start)
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			return nil, err
		}
		if code := cmd.ProcessState.ExitCode(); code > 1 {
			return nil, fmt.Errorf("%s %s: exit %d: %s", filepath.Base(name), strings.Join(args, " "), code, tail(stderr.String()))
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		out = append(out, sample{wall: elapsed, cpu: cpu, rssKiB: ru.Maxrss})
	}
	return out, nil
}

func tail(s string) string {
	if len(s) > 400 {
		return "..." + s[len(s)-400:]
	}
	return s
}

func wall(s sample) int64 { return int64(s.wall) }
func cpu(s sample) int64  { return int64(s.cpu) }
func rss(s sample) int64  { return s.rssKiB }

func project(s []sample, f func(sample) int64) []int64 {
	out := make([]int64, len(s))
	for i, x := range s {
		out[i] = f(x)
	}
	return out
}

func median(s []sample, f func(sample) int64) int64 {
	v := project(s, f)
	slices.Sort(v)
	return v[len(v)/2]
}

func summary(s []sample) string {
	ms := func(v int64) string { return fmt.Sprintf("%.0f ms", float64(v)/1e6) }
	return fmt.Sprintf("wall %8s [%s]  cpu %8s  peak RSS %4d MiB",
		ms(median(s, wall)), ms(slices.Min(project(s, wall))), ms(median(s, cpu)), slices.Max(project(s, rss))/1024)
}

// writeRepo writes the generated repository (the build benchmarks' shape).
func writeRepo(dir string, n, m int) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	for name, f := range benchrepo.Generate(n, m) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
