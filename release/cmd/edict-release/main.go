// Command edict-release builds edict's release: one static binary per
// platform, SHA256SUMS, and the container image as an OCI image layout.
// `make release` runs it; it needs only the Go toolchain (no container daemon).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/edict-policy/edict/release"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "edict-release:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		out       = flag.String("o", "dist/release", "output folder (replaced)")
		ver       = flag.String("version", "", "version recorded in the binaries and the image (required)")
		commit    = flag.String("commit", "", "commit recorded in the binaries and the image")
		source    = flag.String("source", "https://github.com/edict-policy/edict", "repository URL for the image's labels")
		platforms = flag.String("platforms", "", "comma-separated os/arch list (default: every released platform)")
		pkg       = flag.String("package", "./cmd/edict", "package to build")
		image     = flag.String("image", "edict-image.oci", "name of the image's OCI layout folder; empty for no image")
	)
	flag.Parse()
	if *ver == "" {
		return fmt.Errorf("-version is required")
	}
	created := time.Unix(0, 0).UTC()
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("SOURCE_DATE_EPOCH=%q: not a number of seconds", s)
		}
		created = time.Unix(sec, 0).UTC()
	}
	targets := release.Platforms
	if *platforms != "" {
		targets = nil
		for _, s := range strings.Split(*platforms, ",") {
			p, err := release.ParsePlatform(strings.TrimSpace(s))
			if err != nil {
				return err
			}
			targets = append(targets, p)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	if err := os.RemoveAll(*out); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	b := release.Build{Package: *pkg, Version: *ver, Commit: *commit}
	var names []string
	linux := map[release.Platform][]byte{}
	for _, p := range targets {
		name := release.BinaryName(p)
		start := time.Now()
		if err := b.Binary(ctx, p, filepath.Join(*out, name)); err != nil {
			return err
		}
		fmt.Printf("built %s in %s\n", name, time.Since(start).Round(time.Second))
		names = append(names, name)
		if p.OS == "linux" {
			data, err := os.ReadFile(filepath.Join(*out, name))
			if err != nil {
				return err
			}
			linux[p] = data
		}
	}
	if err := release.WriteChecksums(*out, names); err != nil {
		return err
	}
	if *image == "" || len(linux) == 0 {
		return nil
	}
	idx, err := release.Index(linux, release.ImageOptions{Version: *ver, Commit: *commit, Source: *source, Created: created})
	if err != nil {
		return err
	}
	if err := release.WriteLayout(filepath.Join(*out, *image), idx, *ver); err != nil {
		return err
	}
	digest, err := idx.Digest()
	if err != nil {
		return err
	}
	fmt.Printf("image %s@%s (%d platforms)\n", filepath.Join(*out, *image), digest, len(linux))
	return nil
}
