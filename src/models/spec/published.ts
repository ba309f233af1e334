/** A published variance split to print beside ours (`--compare`). Shares are fractions of total variance. */
export interface PublishedSplit {
  readonly key: string;
  readonly label: string;
  readonly source: string;
  readonly shares: Readonly<Record<string, number>>;
}

export const PUBLISHED_SPLITS: Readonly<Record<string, PublishedSplit>> = {
  nao2019: {
    key: 'nao2019',
    label: 'NAO 2019',
    source:
      "National Audit Office (2019), Pressures on children's social care: variation in child protection plan rates " +
      'between local authorities',
    shares: { practice: 0.44, deprivation: 0.15, policy: 0.1, resources: 0.06, unexplained: 0.25 },
  },
};
