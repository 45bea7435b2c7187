package policy

// Managing a user — editing their card, resetting their password, setting
// their PIN, enrolling their badges, moving them between groups — is taking
// over what their credentials can do. So the right it needs depends on the
// level of the user's group: standard users (users.manage.standard) or
// administrators (users.manage.admin).

// IsPrivileged reports whether an action makes its group privileged: every
// action of the security, administration and devices categories — managing
// users, badges, permissions, lending one's rights (a supervisor's key
// button), the audit log, configuration, backup, data reset, devices.
func IsPrivileged(a Action) bool {
	ai, ok := LookupAction(a)
	if !ok {
		return false
	}
	switch ai.Category {
	case CategorySecurity, CategoryAdmin, CategoryDevices:
		return true
	}
	return false
}

// IsAdminLevel reports whether group g is at the administrators' level: it
// holds a privileged action (IsPrivileged). Decided by rights, not by the
// name, so it holds when a group is renamed or translated. An unknown group
// counts as administrators'.
func (s *Snapshot) IsAdminLevel(g GroupID) bool {
	gi, ok := s.groupIndex(g)
	if !ok {
		return true
	}
	for ai := range s.actions {
		if s.holds(gi, int32(ai)) && IsPrivileged(s.actions[ai].id) {
			return true
		}
	}
	return false
}

// ManageRight is the right needed to manage a user of group target:
// ActionManageAdmins for an administrators'-level group (IsAdminLevel) —
// among them supervisors, who lend their rights: whoever resets a
// supervisor's password could act as the supervisor —, ActionManageUsers
// for the others. No snapshot needs ActionManageAdmins.
func ManageRight(s *Snapshot, target GroupID) Action {
	if s == nil || s.IsAdminLevel(target) {
		return ActionManageAdmins
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
