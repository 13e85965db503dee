package main

import (
	"errors"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/spf13/cobra"
)

func loadSigner(cmd *cobra.Command, path string) (signature.Signer, error) {
	return nil, errors.New("signing not wired yet")
}

func runPreBuildTests(cmd *cobra.Command, targets []buildTarget) error {
	return errors.New("--test not wired yet")
}
