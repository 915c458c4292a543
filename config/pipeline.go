package config

// The pipeline section: defaults and checks (its AWS limits: pipelinelimits.go).

import (
	"fmt"
	"strings"
)

func resolvePipeline(c *collector, pf *pipelineFile, f *Fleet) *Pipeline {
	p := &Pipeline{Account: pf.Account, Region: pf.Region, ConnectionArn: pf.ConnectionArn, Repository: pf.Repository, Branch: pf.Branch,
		MaxSpokesPerPipeline: DefaultMaxSpokesPerPipeline}
	if pf.MaxSpokesPerPipeline != nil {
		p.MaxSpokesPerPipeline = *pf.MaxSpokesPerPipeline
		if p.MaxSpokesPerPipeline < 1 || p.MaxSpokesPerPipeline > 380 {
			c.add("pipeline.maxSpokesPerPipeline", "%d: use 1 to 380 (one pipeline's template reaches CloudFormation's 1 MB at about 380 spokes)", p.MaxSpokesPerPipeline)
		}
	}
	if p.Account == "" {
		p.Account = f.Hub.Account
	} else {
		checkAccount(c, "pipeline.account", p.Account)
	}
	if p.Region == "" {
		p.Region = f.Hub.Region
	} else {
		checkRegion(c, "pipeline.region", p.Region)
	}
	if p.Branch == "" {
		p.Branch = "main"
	}
	if !connectionRe.MatchString(p.ConnectionArn) {
		c.add("pipeline.connectionArn", "%q is not a CodeConnections connection ARN such as arn:aws:codeconnections:eu-west-1:111111111111:connection/01234567-89ab-cdef-0123-456789abcdef", p.ConnectionArn)
	}
	if !gitRepoRe.MatchString(p.Repository) {
		c.add("pipeline.repository", "%q is not owner/name of the repository holding this app", p.Repository)
	}
	if !branchRe.MatchString(p.Branch) {
		c.add("pipeline.branch", "%q is not a branch name", p.Branch)
	}
	if len(pf.Waves) == 0 {
		c.add("pipeline.waves", "missing: list the waves in deployment order, e.g. [{name: dev}, {name: prod, manualApproval: true}]")
	}
	listed := map[string]bool{}
	for i, w := range pf.Waves {
		path := fmt.Sprintf("pipeline.waves[%d].name", i)
		spokes := len(f.SpokesInWave(w.Name))
		switch {
		case !waveNameRe.MatchString(w.Name):
			c.add(path, "%q is not a wave name: use lower-case letters, digits and '-', starting with a letter", w.Name)
		case listed[w.Name]:
			c.add(path, "wave %q is listed twice", w.Name)
		case spokes == 0:
			c.add(path, "wave %q has no spokes; remove it or set a spoke's wave to it", w.Name)
		case spokes > p.MaxSpokesPerPipeline:
			c.add(path, "wave %q has %d spokes, more than one pipeline carries (pipeline.maxSpokesPerPipeline %d): split it into smaller waves", w.Name, spokes, p.MaxSpokesPerPipeline)
		default:
			checkVerifySizing(c, path, w.Name, spokes)
		}
		listed[w.Name] = true
		p.Waves = append(p.Waves, Wave(w))
	}
	for i, s := range f.Spokes {
		if !listed[s.Wave] {
			c.add(fmt.Sprintf("spokes[%d].wave", i), "wave %q is not in pipeline.waves (%s); add it there or use one of those", s.Wave, strings.Join(waveNames(p.Waves), ", "))
		}
	}
	return p
}

func waveNames(ws []Wave) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Name)
	}
	return out
}
