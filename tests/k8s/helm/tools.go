//go:build tools

// Package tools imports Helm's command, which scripts/install-k8s-tools.sh builds to check the
// chart (deploy/chart), so that `go mod tidy` keeps every module it needs in go.mod and go.sum.
package tools

import (
	_ "helm.sh/helm/v4/cmd/helm"
)
