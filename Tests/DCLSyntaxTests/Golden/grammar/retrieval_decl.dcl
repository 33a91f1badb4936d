// retrieval_decl
retrieval coda {
  coarse: knn(embedding: item_embedding, k: 200)
  fine: classifier(mlp([32]), threshold: 0.5)
}
// ast: (retrieval coda (field coarse (call knn (arg embedding item_embedding) (arg k 200))) (field fine (call classifier (call mlp (list 32)) (arg threshold 0.5))))
