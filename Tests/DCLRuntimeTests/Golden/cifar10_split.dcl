// CIFAR-10 has a train and a test split; any other name is refused before the disk is read.

print "loading"                                   // expect: loading
let d = cifar10("cifar-10-batches-bin", split: "valid")   // expect error[E0504]: cifar10: expected split "train" or "test", found "valid"
