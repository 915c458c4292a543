package config

import (
	"regexp"
	"strconv"
	"strings"
)

// Regions known to this tool, by partition. A region missing here is
// rejected; add it when AWS opens it.
var regionsByPartition = map[string][]string{
	"aws": {
		"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2",
		"ap-northeast-3", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2",
		"ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
		"ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1",
		"eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
		"il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1",
		"us-east-1", "us-east-2", "us-west-1", "us-west-2",
	},
	"aws-cn":     {"cn-north-1", "cn-northwest-1"},
	"aws-us-gov": {"us-gov-east-1", "us-gov-west-1"},
}

// KnownRegion reports whether region is a region this tool knows.
func KnownRegion(region string) bool {
	for _, rs := range regionsByPartition {
		for _, r := range rs {
			if r == region {
				return true
			}
		}
	}
	return false
}

// PartitionOf returns the partition of a region.
func PartitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}

// fargateMemory lists the memory sizes (MiB) Fargate offers for each CPU size.
var fargateMemory = map[int][]int{
	256:   {512, 1024, 2048},
	512:   steps(1024, 4096, 1024),
	1024:  steps(2048, 8192, 1024),
	2048:  steps(4096, 16384, 1024),
	4096:  steps(8192, 30720, 1024),
	8192:  steps(16384, 61440, 4096),
	16384: steps(32768, 122880, 8192),
}

func steps(from, to, step int) []int {
	var out []int
	for m := from; m <= to; m += step {
		out = append(out, m)
	}
	return out
}

// FargateSizeOK reports whether Fargate offers this cpu/memory pair.
func FargateSizeOK(cpu, memory int) bool {
	for _, m := range fargateMemory[cpu] {
		if m == memory {
			return true
		}
	}
	return false
}

// logRetentionDays are the values CloudWatch Logs accepts.
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

var (
	accountRe    = regexp.MustCompile(`^[0-9]{12}$`)
	spokeNameRe  = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}[a-z0-9]$`)
	waveNameRe   = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)
	timeRe       = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	subnetRe     = regexp.MustCompile(`^subnet-([0-9a-f]{8}|[0-9a-f]{17})$`)
	sgRe         = regexp.MustCompile(`^sg-([0-9a-f]{8}|[0-9a-f]{17})$`)
	vpcRe        = regexp.MustCompile(`^vpc-([0-9a-f]{8}|[0-9a-f]{17})$`)
	orgRe        = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	ouPathRe     = regexp.MustCompile(`^o-[a-z0-9]{10,32}/r-[0-9a-z]{4,32}(/ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})+/?$`)
	repoNameRe   = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$`)
	secretNameRe = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]{1,512}$`)
	secretTailRe = regexp.MustCompile(`-[A-Za-z0-9]{6}$`)
	cidrRe       = regexp.MustCompile(`^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])/([0-9]{1,2})$`)
	azpURLRe     = regexp.MustCompile(`^https://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~%-]+)*/?$`)
	emailRe      = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$`)
	poolNameRe   = regexp.MustCompile(`^[A-Za-z0-9 ._-]{1,100}$`)
	connectionRe = regexp.MustCompile(`^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:[0-9]{12}:connection/[0-9a-f-]{36}$`)
	gitRepoRe    = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	branchRe     = regexp.MustCompile(`^[A-Za-z0-9._/-]{1,200}$`)
)

// MaxCapacity bounds any scheduled capacity of one spoke: a typo such as 400
// instead of 4 should not start hundreds of tasks.
const MaxCapacity = 200

// MaxReplicaRegions is ECR's limit of destinations in a registry's
// replication configuration.
const MaxReplicaRegions = 25

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}
