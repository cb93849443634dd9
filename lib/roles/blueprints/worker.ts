import type { RoleBlueprint } from '../types';

/**
 * Worker role: attached to worker instances Veeam launches in this account (so EC2 must be able to assume it and it
 * needs an instance profile), and chosen in "Add Worker Configuration" and for file-level recovery. The union of
 * Veeam's worker, workerConfig and flrWorker blueprint lists.
 */
export const worker: Omit<RoleBlueprint, 'roleName' | 'installationId'> = {
  key: 'worker',
  description:
    'Veeam Backup for AWS: worker instances and file-level recovery in this account (managed by veeam-org-sync)',
  veeamVersion: '10 (10.0.0.232) + 11 deltas',
  policies: [
    {
      name: 'veeam-org-sync-worker',
      statements: [
        {
          sid: 'Ec2',
          actions: [
            'ec2:AttachNetworkInterface',
            'ec2:AttachVolume',
            'ec2:CopySnapshot',
            'ec2:CreateKeyPair',
            'ec2:CreateNetworkInterface',
            'ec2:CreateSnapshot',
            'ec2:CreateTags',
            'ec2:CreateVolume',
            'ec2:DeleteKeyPair',
            'ec2:DeleteNetworkInterface',
            'ec2:DeleteSnapshot',
            'ec2:DeleteVolume',
            'ec2:DescribeAccountAttributes',
            'ec2:DescribeAddresses',
            'ec2:DescribeAvailabilityZones',
            'ec2:DescribeImages',
            'ec2:DescribeInstanceAttribute',
            'ec2:DescribeInstances',
            'ec2:DescribeKeyPairs',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeRegions',
            'ec2:DescribeRouteTables',
            'ec2:DescribeSecurityGroups',
            'ec2:DescribeSnapshotAttribute',
            'ec2:DescribeSnapshots',
            'ec2:DescribeSubnets',
            'ec2:DescribeVolumeAttribute',
            'ec2:DescribeVolumes',
            'ec2:DescribeVpcs',
            'ec2:DetachVolume',
            'ec2:ModifyInstanceAttribute',
            'ec2:RunInstances',
            'ec2:StartInstances',
            'ec2:StopInstances',
            'ec2:TerminateInstances',
          ],
        },
        {
          sid: 'Ec2messages',
          actions: [
            'ec2messages:AcknowledgeMessage',
            'ec2messages:DeleteMessage',
            'ec2messages:FailMessage',
            'ec2messages:GetEndpoint',
            'ec2messages:GetMessages',
            'ec2messages:SendReply',
          ],
        },
        {
          sid: 'Iam',
          actions: [
            'iam:GetContextKeysForPrincipalPolicy',
            'iam:GetRole',
            'iam:ListAccountAliases',
            'iam:ListInstanceProfilesForRole',
            'iam:PassRole',
            'iam:SimulatePrincipalPolicy',
          ],
        },
        {
          sid: 'Kms',
          actions: [
            'kms:CreateGrant',
            'kms:DescribeKey',
            'kms:GetKeyPolicy',
            'kms:ListAliases',
            'kms:ListKeys',
            'kms:ReEncryptFrom',
            'kms:ReEncryptTo',
          ],
        },
        {
          sid: 'Pricing',
          actions: ['pricing:GetProducts'],
        },
        {
          sid: 'Servicequotas',
          actions: ['servicequotas:ListServiceQuotas'],
        },
        {
          sid: 'Sqs',
          actions: [
            'sqs:CreateQueue',
            'sqs:DeleteMessage',
            'sqs:DeleteQueue',
            'sqs:ListQueues',
            'sqs:ReceiveMessage',
            'sqs:SendMessage',
            'sqs:SetQueueAttributes',
          ],
        },
        {
          sid: 'Ssm',
          actions: [
            'ssm:DescribeAssociation',
            'ssm:DescribeDocument',
            'ssm:GetCommandInvocation',
            'ssm:GetDeployablePatchSnapshotForInstance',
            'ssm:GetDocument',
            'ssm:GetManifest',
            'ssm:GetParameter',
            'ssm:GetParameters',
            'ssm:ListAssociations',
            'ssm:ListInstanceAssociations',
            'ssm:PutComplianceItems',
            'ssm:PutConfigurePackageResult',
            'ssm:PutInventory',
            'ssm:SendCommand',
            'ssm:UpdateAssociationStatus',
            'ssm:UpdateInstanceAssociationStatus',
            'ssm:UpdateInstanceInformation',
          ],
        },
        {
          sid: 'Ssmmessages',
          actions: [
            'ssmmessages:CreateControlChannel',
            'ssmmessages:CreateDataChannel',
            'ssmmessages:OpenControlChannel',
            'ssmmessages:OpenDataChannel',
          ],
        },
      ],
    },
  ],
  trustServices: ['ec2.amazonaws.com'],
  instanceProfile: true,
  register: true,
};
