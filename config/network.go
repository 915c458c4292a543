package config

// A spoke's name and network: checks.

import (
	"fmt"
	"net/netip"
	"strings"
)

func resolveNetwork(c *collector, path string, n *networkFile, region string) Network {
	if n == nil {
		c.add(path, "missing: give vpcId, subnetIds and securityGroupIds of an existing network, or createVpc: {cidr: 10.0.0.0/24}")
		return Network{}
	}
	out := Network{VpcID: n.VpcID, SubnetIDs: n.SubnetIDs, SecurityGroupIDs: n.SecurityGroupIDs, AssignPublicIP: n.AssignPublicIP}
	existing := n.VpcID != "" || len(n.SubnetIDs) > 0 || len(n.SecurityGroupIDs) > 0
	if n.CreateVpc != nil {
		if existing {
			c.add(path+".createVpc", "use either createVpc or an existing vpcId/subnetIds/securityGroupIds, not both")
		}
		out.CreateVpcCidr = n.CreateVpc.Cidr
		checkCidr(c, path+".createVpc.cidr", n.CreateVpc.Cidr)
		out.AvailabilityZones = n.CreateVpc.AvailabilityZones
		if len(out.AvailabilityZones) == 0 {
			out.AvailabilityZones = []string{region + "a", region + "b"}
		}
		for i, az := range out.AvailabilityZones {
			if !strings.HasPrefix(az, region) || len(az) != len(region)+1 || az[len(az)-1] < 'a' || az[len(az)-1] > 'z' {
				c.add(fmt.Sprintf("%s.createVpc.availabilityZones[%d]", path, i), "%q is not an availability zone of %s, such as %sa", az, region, region)
			}
		}
		return out
	}
	if !vpcRe.MatchString(n.VpcID) {
		c.add(path+".vpcId", "%q is not a VPC id such as vpc-0123456789abcdef0", n.VpcID)
	}
	if len(n.SubnetIDs) == 0 {
		c.add(path+".subnetIds", "missing: list at least one subnet id, e.g. [subnet-0123456789abcdef0]")
	}
	for i, s := range n.SubnetIDs {
		if !subnetRe.MatchString(s) {
			c.add(fmt.Sprintf("%s.subnetIds[%d]", path, i), "%q is not a subnet id such as subnet-0123456789abcdef0", s)
		}
	}
	if len(n.SecurityGroupIDs) == 0 {
		c.add(path+".securityGroupIds", "missing: list at least one security group id, e.g. [sg-0123456789abcdef0]")
	}
	for i, s := range n.SecurityGroupIDs {
		if !sgRe.MatchString(s) {
			c.add(fmt.Sprintf("%s.securityGroupIds[%d]", path, i), "%q is not a security group id such as sg-0123456789abcdef0", s)
		}
	}
	return out
}

func checkCidr(c *collector, path, v string) {
	if !cidrRe.MatchString(v) {
		c.add(path, "%q is not an IPv4 CIDR such as 10.0.0.0/24", v)
		return
	}
	p, err := netip.ParsePrefix(v)
	if err != nil || p.Masked() != p {
		c.add(path, "%q is not a network address; did you mean %s?", v, maskedOr(p, err))
		return
	}
	if p.Bits() < 16 || p.Bits() > 26 {
		c.add(path, "/%d: use a prefix from /16 to /26 so two subnets fit", p.Bits())
	}
}

func maskedOr(p netip.Prefix, err error) string {
	if err != nil {
		return "a prefix such as 10.0.0.0/24"
	}
	return p.Masked().String()
}

func checkSpokeName(c *collector, path, v string) {
	if !spokeNameRe.MatchString(v) {
		c.add(path, "%q cannot name a stack and roles: use 2-32 lower-case letters, digits and '-', starting with a letter and not ending with '-'", v)
	}
}
