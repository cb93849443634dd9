// The access role and boundary of the generated member template (resources/access-role.template.json), as resources
// of the service stack itself: with StackSetCallAs=SELF the service runs in the management account, where no
// service-managed StackSet deploys, and IncludeManagementAccount=true protects that account through this access role
// like any member (the functions hold no IAM permission on roles of their own). The member template's parameters are
// this stack's parameters of the same names, except TrustedRoleArns: the function roles (and the operators' roles);
// every resource carries the condition ManagementAccountAccess (resources/member-access.yml).
/* global __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- serverless loads this file as CommonJS */
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const functions = [{ 'Fn::GetAtt': ['WorkerRole', 'Arn'] }, { 'Fn::GetAtt': ['ReconcileRole', 'Arn'] }];
const trustedRoleArns = {
  'Fn::If': [
    'HasOperatorRoles',
    { 'Fn::Split': [',', { 'Fn::Join': [',', [...functions, { Ref: 'OperatorRoleArns' }]] }] },
    functions,
  ],
};

const template = JSON.parse(readFileSync(join(__dirname, 'access-role.template.json'), 'utf8'));
const resolve = (v) => {
  if (Array.isArray(v)) return v.map(resolve);
  if (!v || typeof v !== 'object') return v;
  if (v.Ref === 'TrustedRoleArns') return trustedRoleArns;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
};
module.exports = {
  Resources: Object.fromEntries(
    Object.entries(template.Resources).map(([id, r]) => [id, { ...resolve(r), Condition: 'ManagementAccountAccess' }]),
  ),
};
