import { compareApiVersions } from '../config';

/**
 * The backup-policy collections by REST revision. 1.0-rev0 has one EC2 collection; 1.2-rev0 split them per workload
 * (the VPC configuration backup is a singleton setting, not a policy of an account). Later workloads are asked for
 * from 1.2-rev0 on: a revision that does not have one answers 404, which the coverage report names and skips.
 */
export const LEGACY_POLICIES = { workload: 'EC2', path: '/api/v1/policies' } as const;
export const WORKLOAD_POLICIES = [
  { workload: 'EC2', path: '/api/v1/virtualMachines/policies' },
  { workload: 'RDS', path: '/api/v1/rds/policies' },
  { workload: 'EFS', path: '/api/v1/efs/policies' },
  { workload: 'DynamoDB', path: '/api/v1/dynamoDb/policies' },
  { workload: 'FSx', path: '/api/v1/fsx/policies' },
  { workload: 'Redshift', path: '/api/v1/redshift/policies' },
  { workload: 'RedshiftServerless', path: '/api/v1/redshiftServerless/policies' },
] as const;

export interface PolicyCollection {
  workload: string;
  path: string;
}

/** The collections to read for the negotiated revision (undefined: not negotiated yet, so the newest). */
export function policyCollections(apiVersion: string | undefined): PolicyCollection[] {
  if (apiVersion && compareApiVersions(apiVersion, '1.2-rev0') < 0) return [LEGACY_POLICIES];
  return [...WORKLOAD_POLICIES];
}
