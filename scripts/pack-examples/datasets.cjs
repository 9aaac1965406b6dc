module.exports = async function check(ds) {
  const { train, test } = ds.splitIndices(10, 0.2, 1);
  const all = [...train, ...test].sort((a, b) => a - b);
  if (test.length !== 2 || all.join() !== '0,1,2,3,4,5,6,7,8,9')
    throw new Error(`splitIndices(10, 0.2) gave train ${train} test ${test}`);
  return `splitIndices(10, 0.2, 1) → test [${Array.from(test)}]`;
};
