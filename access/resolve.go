package access

import (
	"fmt"
	"strings"

	"hubspoke-cdk/config"
)

// SimulatedSecretSuffix stands for the random suffix Secrets Manager gives
// the hub secret; the spoke learns the real one at deploy time.
const SimulatedSecretSuffix = "-AbCdEf"

var partitionOf = config.PartitionOf

// resolver turns the intrinsic functions a policy may hold into the values
// they take once deployed. What it cannot resolve is an error, never a guess.
type resolver struct{ stack Stack }

func (r resolver) partition() string { return partitionOf(r.stack.Region) }

func (r resolver) resolve(v any, path string) (any, error) {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			rv, err := r.resolve(e, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out[i] = rv
		}
		return out, nil
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					return r.intrinsic(k, arg, path)
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			rv, err := r.resolve(e, path+"."+k)
			if err != nil {
				return nil, err
			}
			out[k] = rv
		}
		return out, nil
	}
	return v, nil
}

func (r resolver) intrinsic(fn string, arg any, path string) (any, error) {
	switch fn {
	case "Ref":
		name, _ := arg.(string)
		switch name {
		case "AWS::Partition":
			return r.partition(), nil
		case "AWS::AccountId":
			return r.stack.Account, nil
		case "AWS::Region":
			return r.stack.Region, nil
		case "AWS::URLSuffix":
			return "amazonaws.com", nil
		}
		if res, ok := r.stack.resources()[name]; ok {
			switch res["Type"] {
			case "AWS::Logs::LogGroup":
				return r.logGroupName(name, res), nil
			case "AWS::IAM::Role":
				return r.roleName(name, res), nil
			case "AWS::SecretsManager::Secret":
				// A secret's Ref is its full ARN (the token minter's policy).
				sname, _ := props(res)["Name"].(string)
				return fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:%s%s", r.partition(), r.stack.Region, r.stack.Account, sname, SimulatedSecretSuffix), nil
			}
		}
	case "Fn::Join":
		parts, ok := arg.([]any)
		if ok && len(parts) == 2 {
			sep, _ := parts[0].(string)
			list, err := r.resolve(parts[1], path)
			if err != nil {
				return nil, err
			}
			var ss []string
			for _, e := range list.([]any) {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("%s: %s: Fn::Join of a non-string %v", r.stack.Name, path, e)
				}
				ss = append(ss, s)
			}
			return strings.Join(ss, sep), nil
		}
	case "Fn::GetAtt":
		parts, ok := arg.([]any)
		if ok && len(parts) == 2 {
			id, _ := parts[0].(string)
			attr, _ := parts[1].(string)
			if v, ok := r.getAtt(id, attr); ok {
				return v, nil
			}
		}
	}
	return nil, fmt.Errorf("%s: %s: cannot resolve {%q: %v}; teach access/resolve.go what it deploys to", r.stack.Name, path, fn, arg)
}

func (r resolver) getAtt(id, attr string) (string, bool) {
	res, ok := r.stack.resources()[id]
	if !ok {
		return "", false
	}
	p := props(res)
	switch {
	case res["Type"] == "AWS::IAM::Role" && attr == "Arn":
		return r.roleArn(id, res), true
	case res["Type"] == "AWS::Logs::LogGroup" && attr == "Arn":
		return fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:*", r.partition(), r.stack.Region, r.stack.Account, r.logGroupName(id, res)), true
	case res["Type"] == "AWS::KMS::Key" && attr == "Arn":
		return fmt.Sprintf("arn:%s:kms:%s:%s:key/%s", r.partition(), r.stack.Region, r.stack.Account, simulatedKeyID(id)), true
	case res["Type"] == "Custom::HubPreflight" && attr == "Arn":
		// The look-up returns the hub secret's full ARN.
		if partial, ok := p["SecretId"].(string); ok {
			return partial + SimulatedSecretSuffix, true
		}
	}
	return "", false
}

func (r resolver) roleName(id string, res map[string]any) string {
	if n, ok := props(res)["RoleName"].(string); ok {
		return n
	}
	return id // CloudFormation would generate a name; the logical id stands for it
}

func (r resolver) roleArn(id string, res map[string]any) string {
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", r.partition(), r.stack.Account, r.roleName(id, res))
}

func (r resolver) logGroupName(id string, res map[string]any) string {
	if n, ok := props(res)["LogGroupName"].(string); ok {
		return n
	}
	return id
}

// simulatedKeyID makes a key-id-shaped value from a logical id.
func simulatedKeyID(logicalID string) string {
	h := uint64(14695981039346656037)
	for _, c := range logicalID {
		h = (h ^ uint64(c)) * 1099511628211
	}
	s := fmt.Sprintf("%016x%016x", h, h*31)
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}
