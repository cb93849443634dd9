import { describeOwner, mayConverge, mayOffboard, ownerOf } from '../lib/ownership';

// Two installations share an appliance and an organization: what each may touch follows from the mark alone.
describe('ownership marks', () => {
  const cases = [
    { mark: 'its own id', recorded: 'inst-a', converge: true, offboard: true, says: 'owned by this installation' },
    {
      mark: 'no id',
      recorded: '',
      converge: true,
      offboard: false,
      says: 'written before installation ids (no id in its mark)',
    },
    {
      mark: "another installation's id",
      recorded: 'inst-b',
      converge: false,
      offboard: false,
      says: 'owned by installation inst-b',
    },
    { mark: 'nothing', recorded: undefined, converge: false, offboard: false, says: 'not ours' },
  ];

  it.each(cases)('a mark with $mark: converge $converge, offboard $offboard, reported as "$says"', (c) => {
    const owner = ownerOf(c.recorded, 'inst-a');
    expect({ converge: mayConverge(owner), offboard: mayOffboard(owner), says: describeOwner(owner) }).toEqual({
      converge: c.converge,
      offboard: c.offboard,
      says: c.says,
    });
  });
});
