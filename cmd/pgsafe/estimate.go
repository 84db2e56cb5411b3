package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/config"
	"github.com/pgsafe/pgsafe/internal/estimate"
	"github.com/pgsafe/pgsafe/internal/stats"
)

// estimateFlags are lint's flags for the production snapshot.
func estimateFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "stats", Usage: "read the production snapshot in `FILE` (pgsafe stats): lock findings say how big and busy their table is and about how long they block it, and errors estimated below --block-threshold become hints"},
		&cli.StringFlag{Name: "block-threshold", Usage: "with --stats, an error whose hazard is how long it blocks becomes a hint when the estimate is below this `DURATION` (ms, s, min or h)", DefaultText: "1s"},
		&cli.StringFlag{Name: "cost-model", Usage: "price blocking times with the cost model in `FILE` (written by pgsafe calibrate) instead of the embedded one"},
	}
}

// estimateOptions returns the options of the estimate step of lint: the
// snapshot, the cost model and the threshold, from the flags, else the
// config cfg. It returns nil when neither names a snapshot.
func estimateOptions(c *cli.Context, e env, cfg *config.Config) (*estimate.Options, error) {
	snapPath, modelPath := c.String("stats"), c.String("cost-model")
	if snapPath == "" && cfg.Stats != "" {
		snapPath = fromWorkdir(e, cfg.Rel(cfg.Stats))
	}
	if modelPath == "" && cfg.CostModel != "" {
		modelPath = fromWorkdir(e, cfg.Rel(cfg.CostModel))
	}
	threshold, thresholdFrom := cfg.BlockThreshold, "block-threshold"
	if c.IsSet("block-threshold") {
		threshold, thresholdFrom = c.String("block-threshold"), "--block-threshold"
	}
	if snapPath == "" {
		if c.IsSet("block-threshold") || c.IsSet("cost-model") {
			return nil, usageError("--block-threshold and --cost-model price the findings of a snapshot: give one with --stats FILE (or the config key stats)")
		}
		return nil, nil
	}
	opts := &estimate.Options{Threshold: estimate.DefaultThreshold}
	if threshold != "" {
		d, err := config.ParseThreshold(threshold)
		if err != nil {
			return nil, usageError("%s: %v", thresholdFrom, err)
		}
		opts.Threshold = d
	}
	// Files are named in messages as the user named them, and a snapshot's
	// errors are placed at file:line:col.
	f, err := os.Open(absPath(snapPath, e.workdir))
	if err != nil {
		return nil, usageError("--stats %s: %v", snapPath, withoutPath(err))
	}
	defer func() { _ = f.Close() }()
	if opts.Snapshot, err = stats.Read(f, snapPath); err != nil {
		return nil, usageError("--stats: %v", err)
	}
	if modelPath != "" {
		data, err := os.ReadFile(absPath(modelPath, e.workdir))
		if err != nil {
			return nil, usageError("--cost-model %s: %v", modelPath, withoutPath(err))
		}
		if opts.Model, err = estimate.ReadModel(data, modelPath); err != nil {
			return nil, usageError("--cost-model: %v", err)
		}
	}
	return opts, nil
}
