// The access role and boundary of the generated member template (resources/access-role.template.json), as resources
// of the service stack itself: with stackSetCallAs=SELF the service runs in the management account, where no
// service-managed StackSet deploys, and includeManagementAccount=true protects that account through this access role
// like any member (the functions hold no IAM permission on roles of their own). Parameters of the member template
// become this stack's settings; every resource carries the condition ManagementAccountAccess (resources/member-access.yml).
/* global __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- serverless loads this file as CommonJS */
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

/** The function roles that enter member accounts, and the operators' roles when set (as the StackSet's parameter). */
function trustedRoleArns(operatorRoleArns) {
  const functions = [{ 'Fn::GetAtt': ['WorkerRole', 'Arn'] }, { 'Fn::GetAtt': ['ReconcileRole', 'Arn'] }];
  return { 'Fn::Split': [',', { 'Fn::Join': [',', operatorRoleArns ? [...functions, operatorRoleArns] : functions] }] };
}

module.exports = async ({ resolveVariable }) => {
  const template = JSON.parse(readFileSync(join(__dirname, 'access-role.template.json'), 'utf8'));
  const param = (name) => resolveVariable(`param:${name}`);
  const values = {
    AccessRoleName: await param('accessRoleName'),
    BackupRoleName: await param('backupRoleName'),
    WorkerRoleName: await param('workerRoleName'),
    InstallationId: await param('installationId'),
  };
  const refs = { ...values, TrustedRoleArns: trustedRoleArns(await param('operatorRoleArns')) };
  for (const name of Object.keys(template.Parameters))
    if (!(name in refs)) throw new Error(`own-account-access.cjs: member template parameter ${name} has no value here`);
  const resolve = (v) => {
    if (Array.isArray(v)) return v.map(resolve);
    if (!v || typeof v !== 'object') return v;
    if (typeof v.Ref === 'string' && v.Ref in refs) return refs[v.Ref];
    if (typeof v['Fn::Sub'] === 'string')
      return { 'Fn::Sub': v['Fn::Sub'].replace(/\$\{(\w+)\}/g, (m, name) => (name in values ? values[name] : m)) };
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
  };
  const resources = {};
  for (const [id, resource] of Object.entries(template.Resources))
    resources[id] = { ...resolve(resource), Condition: 'ManagementAccountAccess' };
  return { Resources: resources };
};
