/**
 * Signed approvals for advisory and closed-loop operation: Ed25519 keys ({@link
 * org.safeloop.plc.approval.ApprovalKeys}), the approval record bound to the SHA-256 of the policy
 * bundle, shield file and plant file ({@link org.safeloop.plc.approval.Approval}), and signing and
 * verification with a reason for every refusal ({@link org.safeloop.plc.approval.Approvals}).
 */
package org.safeloop.plc.approval;
