package scenario

// shippedDir is the folder of the scenarios Faro ships.
const shippedDir = "../scenarios"
