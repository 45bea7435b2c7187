package policy

// Managing a user — editing their card, resetting their password, setting
// their PIN, enrolling their badges, moving them between groups — is taking
// over what their credentials can do. So the right it needs depends on the
// user's group *level*, relative to the person acting.

// IsAdminGroup reports whether a group is an administrators' group: it holds
// users.manage.standard, users.manage.admin or security.manage, so anyone in
// it can change other people's rights. Decided by rights, not by the name.
func (s *Snapshot) IsAdminGroup(g GroupID) bool {
	gi, ok := s.groupIndex(g)
	if !ok {
		return false
	}
	for _, a := range []Action{ActionManageUsers, ActionManageAdmins, ActionManageSecurity} {
		if ai, ok := s.actionIdx[a]; ok && s.holds(gi, ai) {
			return true
		}
	}
	return false
}

// ManageRight is the right p needs to manage a user of group target:
// ActionManageAdmins when target is an administrators' group, or when it
// grants anything p's effective group does not — an action it lacks, or a
// more generous limit (a supervisor's approval rights, say, to a
// standard-users admin) — since whoever sets a person's password, PIN or
// badge can act as that person; ActionManageUsers otherwise. An unknown
// group or principal needs ActionManageAdmins.
func ManageRight(s *Snapshot, p Principal, target GroupID) Action {
	if s == nil {
		return ActionManageAdmins
	}
	ti, ok := s.groupIndex(target)
	if !ok || s.IsAdminGroup(target) {
		return ActionManageAdmins
	}
	ui, ok := s.userIdx[p.Effective()]
	if !ok {
		return ActionManageAdmins
	}
	pi := s.users[ui].group
	if pi == ti {
		return ActionManageUsers
	}
	for w := 0; w < s.words; w++ {
		if s.perm[int(ti)*s.words+w]&^s.perm[int(pi)*s.words+w] != 0 {
			return ActionManageAdmins
		}
	}
	for li := range numLimits {
		if s.generosity(ti, int8(li)) > s.generosity(pi, int8(li)) {
			return ActionManageAdmins
		}
	}
	return ActionManageUsers
}

func (s *Snapshot) groupIndex(g GroupID) (int32, bool) {
	for i := range s.groups {
		if s.groups[i].id == g {
			return int32(i), true
		}
	}
	return 0, false
}
